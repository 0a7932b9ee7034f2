#include "persistence/migrator.hpp"

#include "common/log.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <set>

namespace messenger::persistence {

namespace {

/// Arbitrary constant naming the advisory lock that serialises migrators.
constexpr int64_t migration_lock_key = 0x6d657373656e6765; // "messenge"

constexpr const char* create_table_sql = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version text PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  applied_at timestamp(6) NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
))sql";

std::set<std::string> applied_versions(pqxx::connection& conn) {
  pqxx::read_transaction tx{conn};
  std::set<std::string> out;
  auto exists = tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists[0].as<bool>())
    return out;
  for (const auto& row : tx.exec("SELECT version FROM schema_migrations"))
    out.insert(row[0].c_str());
  return out;
}

} // namespace

expected<migration_report> migrate(const std::string& database_url,
                                   const std::vector<migration>& migrations) {
  try {
    pqxx::connection conn{database_url};
    {
      pqxx::nontransaction tx{conn};
      tx.exec_params("SELECT pg_advisory_lock($1)", migration_lock_key);
    }
    migration_report report;
    try {
      {
        pqxx::work tx{conn};
        tx.exec(create_table_sql);
        tx.commit();
      }
      auto done = applied_versions(conn);
      for (const auto& m : migrations) {
        if (done.count(m.version) != 0) {
          report.already_applied.push_back(m.version);
          continue;
        }
        pqxx::work tx{conn};
        tx.exec(m.sql);
        tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version,
                       m.name);
        tx.commit();
        log::info("migration_applied", log::fields{}("version", m.version)("name", m.name));
        report.applied.push_back(m.version);
      }
    } catch (...) {
      pqxx::nontransaction tx{conn};
      tx.exec_params("SELECT pg_advisory_unlock($1)", migration_lock_key);
      throw;
    }
    pqxx::nontransaction tx{conn};
    tx.exec_params("SELECT pg_advisory_unlock($1)", migration_lock_key);
    return report;
  } catch (const pqxx::broken_connection& e) {
    return make_unexpected(errc::database_unavailable, e.what());
  } catch (const std::exception& e) {
    return make_unexpected(errc::database_error, e.what());
  }
}

expected<bool> migrations_applied(const std::string& database_url,
                                  const std::vector<migration>& migrations) {
  try {
    pqxx::connection conn{database_url};
    auto done = applied_versions(conn);
    for (const auto& m : migrations)
      if (done.count(m.version) == 0)
        return false;
    return true;
  } catch (const pqxx::broken_connection& e) {
    return make_unexpected(errc::database_unavailable, e.what());
  } catch (const std::exception& e) {
    return make_unexpected(errc::database_error, e.what());
  }
}

statement applied_versions_query() {
  return make_statement("SELECT version FROM schema_migrations");
}

bool all_applied(const result_set& applied, const std::vector<migration>& migrations) {
  std::set<std::string> done;
  for (size_t i = 0; i < applied.rows.size(); ++i)
    done.insert(applied.field(i, "version").text);
  return std::all_of(migrations.begin(), migrations.end(),
                     [&](const migration& m) { return done.count(m.version) != 0; });
}

} // namespace messenger::persistence
