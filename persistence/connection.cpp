#include "persistence/connection.hpp"

#include <pqxx/pqxx>

#include <string_view>
#include <unordered_map>

namespace messenger::persistence {

namespace {

/// Thrown inside a batch attempt to abandon it because command `index` failed.
struct command_failed {
  size_t index;
  error_info error;
};

/// Thrown when the connection is gone: every pending command fails.
struct connection_lost {
  error_info error;
};

error_info classify(const pqxx::sql_error& e) {
  const std::string state = e.sqlstate();
  if (state == "23505")
    return {errc::conflict, e.what(), state, constraint_of(e.what())};
  if (state == "MF001") // messenger_fence: the entity's epoch moved on
    return {errc::fenced, e.what(), state};
  // A deadlock victim or a serialization failure: nothing was written, try again (the
  // batch retries these itself first, see execute_batch).
  if (state == "40P01" || state == "40001")
    return {errc::fenced, e.what(), state};
  // messenger_acquire waited its 500 ms for a row another session holds: retried later.
  if (state == "55P03")
    return {errc::fenced, e.what(), state};
  if (state == "23503" || state == "23514")
    return {errc::invalid_argument, e.what(), state, constraint_of(e.what())};
  if (state == "23502" || state == "22P02" || state.rfind("22", 0) == 0)
    return {errc::invalid_argument, e.what(), state};
  return {errc::database_error, e.what(), state};
}

} // namespace

std::string constraint_of(std::string_view message) {
  // libpqxx 6.4 drops the PGresult, with its PG_DIAG_CONSTRAINT_NAME field, before it throws,
  // so the name is read from the primary message: `... violates unique constraint "NAME"`
  // (foreign key and check messages name it the same way). Connections ask for untranslated
  // messages (lc_messages = C) where the role may; otherwise the name may not be found, and
  // handlers answer the generic conflict.
  auto line = message.substr(0, message.find('\n'));
  auto word = line.find("constraint \"");
  if (word == std::string_view::npos)
    return {};
  auto begin = word + 12;
  auto end = line.find('"', begin);
  if (end == std::string_view::npos)
    return {};
  return std::string{line.substr(begin, end - begin)};
}

namespace {

/// The transaction was rolled back because of other transactions (deadlock, serialization
/// failure), not because of anything in it: the same batch may simply run again.
bool is_transient_state(std::string_view state) {
  return state == "40P01" || state == "40001";
}

bool is_connection_state(std::string_view state) {
  // Class 08: connection exception; 57P0x: operator intervention (terminate, shutdown).
  // 08P01 (protocol violation) is what a statement with a wrong parameter count gets: the
  // statement's fault, the connection is fine (callers also check that it is still open).
  if (state == "08P01")
    return false;
  return state.rfind("08", 0) == 0 || state.rfind("57P0", 0) == 0;
}

result_set to_result_set(const pqxx::result& res) {
  result_set out;
  auto cols = static_cast<size_t>(res.columns());
  out.columns.reserve(cols);
  for (pqxx::row::size_type c = 0; c < res.columns(); ++c)
    out.columns.emplace_back(res.column_name(c));
  out.rows.reserve(res.size());
  for (const auto& row : res) {
    std::vector<sql_value> values;
    values.reserve(cols);
    for (const auto& field : row)
      values.push_back(field.is_null() ? sql_value::null() : sql_value::of(field.c_str()));
    out.rows.push_back(std::move(values));
  }
  out.affected_rows = res.affected_rows();
  return out;
}

} // namespace

struct connection::impl {
  std::unique_ptr<pqxx::connection> conn;
  std::unordered_map<std::string, std::string> prepared; // sql text -> statement name
  batch_stats stats;

  pqxx::result run(pqxx::transaction_base& tx, const statement& stmt) {
    if (stmt.params.empty())
      return tx.exec(stmt.sql);
    if (stmt.plan_each_time) {
      std::vector<const char*> values;
      values.reserve(stmt.params.size());
      for (const auto& p : stmt.params)
        values.push_back(p.is_null ? nullptr : p.text.c_str());
      return tx.exec_params(stmt.sql, pqxx::prepare::make_dynamic_params(values));
    }
    auto it = prepared.find(stmt.sql);
    if (it == prepared.end()) {
      // (not "m" + to_string(): g++ 12 -O3 reports a false -Wrestrict on that)
      std::string name{"m"};
      name += std::to_string(prepared.size() + 1);
      conn->prepare(name, stmt.sql);
      it = prepared.emplace(stmt.sql, std::move(name)).first;
    }
    std::vector<const char*> params;
    params.reserve(stmt.params.size());
    for (const auto& p : stmt.params)
      params.push_back(p.is_null ? nullptr : p.text.c_str());
    return tx.exec_prepared(it->second, pqxx::prepare::make_dynamic_params(params));
  }

  bool alive() const { return conn && conn->is_open(); }

  /// One attempt at a batch: runs every command not `failed` in one transaction and
  /// commits it. Throws command_failed (an SQL error of one command), connection_lost, or
  /// what COMMIT threw (`in_commit` is set from then on).
  std::vector<write_result> attempt(const std::vector<write_command>& commands,
                                    const std::vector<bool>& failed, bool& in_commit) {
    std::vector<write_result> results(commands.size());
    pqxx::work tx{*conn};
    for (size_t i = 0; i < commands.size(); ++i) {
      if (failed[i])
        continue;
      try {
        for (const auto& stmt : commands[i].statements)
          results[i].results.push_back(to_result_set(run(tx, stmt)));
      } catch (const pqxx::sql_error& e) {
        if (is_connection_state(e.sqlstate()) || !alive())
          throw connection_lost{{errc::database_unavailable, e.what()}};
        throw command_failed{i, classify(e)};
      } catch (const pqxx::broken_connection& e) {
        throw connection_lost{{errc::database_unavailable, e.what()}};
      }
    }
    in_commit = true;
    tx.commit();
    return results;
  }
};

connection::connection(std::unique_ptr<impl> state) : impl_(std::move(state)) {
  // nop
}

connection::~connection() = default;

expected<std::unique_ptr<connection>> connection::open(const std::string& url) {
  try {
    auto state = std::make_unique<impl>();
    state->conn = std::make_unique<pqxx::connection>(url);
    try {
      // Untranslated messages, so constraint_of finds the constraint (superusers only;
      // other roles keep the server's language).
      pqxx::nontransaction tx{*state->conn};
      tx.exec("SET lc_messages TO 'C'");
    } catch (const pqxx::sql_error&) {
      // nop: not permitted for this role
    }
    // A client that goes silent inside a transaction (a node cut off from the database)
    // must not hold its row locks for long: a takeover of its entities waits for them.
    // Shorter than the cluster lease; no transaction of ours idles between statements.
    try {
      pqxx::nontransaction tx{*state->conn};
      tx.exec("SET idle_in_transaction_session_timeout = '4s'");
    } catch (const pqxx::sql_error&) {
      // nop: not permitted for this role
    }
    return std::unique_ptr<connection>{new connection(std::move(state))};
  } catch (const std::exception& e) {
    return make_unexpected(errc::database_unavailable, e.what());
  }
}

bool connection::is_open() const {
  return impl_->alive();
}

int connection::backend_pid() const {
  return impl_->alive() ? impl_->conn->backendpid() : 0;
}

const batch_stats& connection::stats() const {
  return impl_->stats;
}

std::vector<expected<write_result>>
connection::execute_batch(const std::vector<write_command>& commands) {
  std::vector<expected<write_result>> out(commands.size(),
                                          make_unexpected(errc::database_unavailable));
  std::vector<bool> failed(commands.size(), false);
  auto fail_pending = [&](errc code, const std::string& detail) {
    for (size_t i = 0; i < commands.size(); ++i)
      if (!failed[i]) {
        out[i] = make_unexpected(code, detail);
        ++impl_->stats.commands_failed;
      }
  };
  if (!impl_->alive()) {
    fail_pending(errc::database_unavailable, "no database connection");
    return out;
  }
  // Each attempt removes a failing command, so this terminates. A deadlock victim (nodes
  // lock ownership rows in no common order) runs again as it was, up to 5 times.
  constexpr size_t transient_limit = 5;
  size_t transient_retries = 0;
  for (size_t pass = 0; pass <= commands.size() + transient_limit; ++pass) {
    bool in_commit = false;
    try {
      auto results = impl_->attempt(commands, failed, in_commit);
      ++impl_->stats.transactions_committed;
      for (size_t i = 0; i < commands.size(); ++i)
        if (!failed[i]) {
          out[i] = std::move(results[i]);
          ++impl_->stats.commands_committed;
        }
      return out;
    } catch (const command_failed& f) {
      // The transaction was rolled back by ~work(); retry the others without it.
      ++impl_->stats.transactions_rolled_back;
      if (is_transient_state(f.error.sqlstate) && transient_retries++ < transient_limit)
        continue;
      failed[f.index] = true;
      out[f.index] = tl::unexpected<error_info>{f.error};
      ++impl_->stats.commands_failed;
    } catch (const connection_lost& lost) {
      fail_pending(errc::database_unavailable, lost.error.detail);
      return out;
    } catch (const pqxx::in_doubt_error& e) {
      fail_pending(errc::commit_unknown, e.what());
      return out;
    } catch (const pqxx::broken_connection& e) {
      fail_pending(in_commit ? errc::commit_unknown : errc::database_unavailable, e.what());
      return out;
    } catch (const std::exception& e) {
      // COMMIT itself rejected (e.g. deferred constraint) or an unexpected failure.
      ++impl_->stats.transactions_rolled_back;
      if (!impl_->alive()) {
        fail_pending(in_commit ? errc::commit_unknown : errc::database_unavailable, e.what());
        return out;
      }
      fail_pending(errc::database_error, e.what());
      return out;
    }
  }
  fail_pending(errc::database_error, "batch retry limit reached");
  return out;
}

expected<result_set> connection::query(const statement& stmt) {
  if (!impl_->alive())
    return make_unexpected(errc::database_unavailable, "no database connection");
  try {
    pqxx::read_transaction tx{*impl_->conn};
    auto res = impl_->run(tx, stmt);
    tx.commit();
    return to_result_set(res);
  } catch (const pqxx::sql_error& e) {
    if (is_connection_state(e.sqlstate()) || !impl_->alive())
      return make_unexpected(errc::database_unavailable, e.what());
    return tl::unexpected<error_info>{classify(e)};
  } catch (const std::exception& e) {
    return make_unexpected(impl_->alive() ? errc::database_error : errc::database_unavailable,
                           e.what());
  }
}

} // namespace messenger::persistence
