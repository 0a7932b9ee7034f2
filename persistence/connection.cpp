#include "persistence/connection.hpp"

#include <pqxx/pqxx>

#include <string_view>
#include <unordered_map>

namespace messenger::persistence {

namespace {

error_info classify(const pqxx::sql_error& e) {
  return classify_sql_error(e.sqlstate(), e.what(), constraint_of(e.what()));
}

} // namespace

error_info classify_sql_error(const std::string& state, std::string message,
                              std::string constraint) {
  if (state == "23505")
    return {errc::conflict, std::move(message), state, std::move(constraint)};
  if (state == "MF001") // messenger_fence: the entity's epoch moved on
    return {errc::fenced, std::move(message), state};
  // A deadlock victim or a serialization failure: nothing was written, try again (the
  // batch retries these itself first, see batch_connection::execute_batch).
  if (state == "40P01" || state == "40001")
    return {errc::fenced, std::move(message), state};
  // messenger_acquire waited its 500 ms for a row another session holds: retried later.
  if (state == "55P03")
    return {errc::fenced, std::move(message), state};
  if (state == "23503" || state == "23514")
    return {errc::invalid_argument, std::move(message), state, std::move(constraint)};
  if (state == "23502" || state == "22P02" || state.rfind("22", 0) == 0)
    return {errc::invalid_argument, std::move(message), state};
  return {errc::database_error, std::move(message), state};
}

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
    // Reads only (readers, the liveness lock): every statement runs read-only.
    {
      pqxx::nontransaction tx{*state->conn};
      tx.exec("SET default_transaction_read_only = on");
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

expected<result_set> connection::query(const statement& stmt) {
  if (!impl_->alive())
    return make_unexpected(errc::database_unavailable, "no database connection");
  try {
    // One statement in autocommit: one round trip instead of four (BEGIN, SET TRANSACTION
    // READ ONLY, the statement, COMMIT). Its snapshot is the statement's own, and the session
    // is read-only (see open).
    pqxx::nontransaction tx{*impl_->conn};
    return to_result_set(impl_->run(tx, stmt));
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
