#include "persistence/batch_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <unordered_map>

namespace messenger::persistence {

namespace {

using result_ptr = std::unique_ptr<PGresult, decltype(&PQclear)>;

/// What one query of a pipeline was sent for (results come back in this order).
enum class step_kind { begin, prepare, statement, commit };

struct step {
  step_kind kind;
  size_t command = 0;   ///< for prepare and statement
  std::string sql = {}; ///< for prepare: the text it names
};

/// How one attempt at a batch ended.
struct attempt_outcome {
  enum kind_t { committed, command_failed, transient, lost, rejected } kind = committed;
  size_t index = 0; ///< command_failed: the command
  error_info error;
  std::vector<write_result> results;
};

result_set to_result_set(const PGresult* res) {
  result_set out;
  auto cols = PQnfields(res);
  out.columns.reserve(static_cast<size_t>(cols));
  for (int c = 0; c < cols; ++c)
    out.columns.emplace_back(PQfname(res, c));
  auto rows = PQntuples(res);
  out.rows.reserve(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    std::vector<sql_value> values;
    values.reserve(static_cast<size_t>(cols));
    for (int c = 0; c < cols; ++c)
      values.push_back(PQgetisnull(res, r, c) != 0 ? sql_value::null()
                                                   : sql_value::of(PQgetvalue(res, r, c)));
    out.rows.push_back(std::move(values));
  }
  const char* tuples = PQcmdTuples(const_cast<PGresult*>(res));
  out.affected_rows = tuples != nullptr && *tuples != '\0' ? std::stoull(tuples) : 0;
  return out;
}

error_info error_of(const PGresult* res) {
  auto field = [&](int code) {
    const char* v = PQresultErrorField(res, code);
    return std::string{v != nullptr ? v : ""};
  };
  std::string message = PQresultErrorMessage(res);
  auto constraint = field(PG_DIAG_CONSTRAINT_NAME);
  if (constraint.empty())
    constraint = constraint_of(message);
  return classify_sql_error(field(PG_DIAG_SQLSTATE), std::move(message), std::move(constraint));
}

} // namespace

struct batch_connection::impl {
  PGconn* conn = nullptr;
  std::unordered_map<std::string, std::string> prepared; // sql text -> statement name
  uint64_t next_name = 0;
  batch_stats stats;

  ~impl() { close(); }

  void close() {
    if (conn != nullptr)
      PQfinish(conn);
    conn = nullptr;
  }

  bool alive() const { return conn != nullptr && PQstatus(conn) == CONNECTION_OK; }

  bool send_text(const char* sql, int n = 0, const char* const* values = nullptr) {
    return PQsendQueryParams(conn, sql, n, nullptr, values, nullptr, nullptr, 0) == 1;
  }

  /// Queues one statement (preparing its text first when this connection has not yet).
  bool send_statement(const statement& stmt, size_t command, std::vector<step>& steps) {
    std::vector<const char*> values;
    values.reserve(stmt.params.size());
    for (const auto& p : stmt.params)
      values.push_back(p.is_null ? nullptr : p.text.c_str());
    auto n = static_cast<int>(values.size());
    steps.push_back({step_kind::statement, command});
    if (stmt.plan_each_time || stmt.params.empty())
      return send_text(stmt.sql.c_str(), n, values.data());
    auto it = prepared.find(stmt.sql);
    if (it == prepared.end()) {
      std::string name{"b"};
      name += std::to_string(++next_name);
      steps.insert(steps.end() - 1, {step_kind::prepare, command, stmt.sql});
      if (PQsendPrepare(conn, name.c_str(), stmt.sql.c_str(), 0, nullptr) != 1)
        return false;
      it = prepared.emplace(stmt.sql, std::move(name)).first;
    }
    return PQsendQueryPrepared(conn, it->second.c_str(), n, values.data(), nullptr, nullptr, 0)
           == 1;
  }

  /// Sends BEGIN, the statements of every command not `failed`, COMMIT and a sync; flushes
  /// while reading what arrives meanwhile (so neither side blocks on a full socket).
  bool send(const std::vector<write_command>& commands, const std::vector<bool>& failed,
            std::vector<step>& steps) {
    if (PQenterPipelineMode(conn) != 1)
      return false;
    steps.push_back({step_kind::begin});
    if (!send_text("BEGIN"))
      return false;
    for (size_t i = 0; i < commands.size(); ++i)
      if (!failed[i])
        for (const auto& stmt : commands[i].statements)
          if (!send_statement(stmt, i, steps))
            return false;
    steps.push_back({step_kind::commit});
    if (!send_text("COMMIT") || PQpipelineSync(conn) != 1)
      return false;
    for (;;) {
      auto flushed = PQflush(conn);
      if (flushed == 0)
        return true;
      if (flushed < 0)
        return false;
      pollfd fd{PQsocket(conn), POLLIN | POLLOUT, 0};
      if (poll(&fd, 1, -1) < 0)
        return false;
      if ((fd.revents & POLLIN) != 0 && PQconsumeInput(conn) != 1)
        return false;
    }
  }

  /// Reads every step's results and the sync. The first error decides the outcome; a
  /// server-reported error means the transaction did not commit, a connection that broke
  /// without one leaves the commit unknown (unless COMMIT's answer arrived).
  attempt_outcome receive(const std::vector<step>& steps, size_t command_count) {
    attempt_outcome out;
    out.results.resize(command_count);
    bool error_seen = false;
    bool commit_ok = false;
    for (const auto& st : steps) {
      bool done = false;
      while (PGresult* raw = PQgetResult(conn)) {
        result_ptr res{raw, &PQclear};
        auto status = PQresultStatus(raw);
        done = true;
        if (status == PGRES_FATAL_ERROR || status == PGRES_PIPELINE_ABORTED) {
          if (st.kind == step_kind::prepare)
            prepared.erase(st.sql); // not prepared: the next attempt prepares it again
          if (status == PGRES_FATAL_ERROR && !error_seen) {
            error_seen = true;
            out.error = error_of(raw);
            out.index = st.command;
            out.kind = st.kind == step_kind::statement || st.kind == step_kind::prepare
                         ? attempt_outcome::command_failed
                         : attempt_outcome::rejected;
          }
          continue;
        }
        if (st.kind == step_kind::statement)
          out.results[st.command].results.push_back(to_result_set(raw));
        else if (st.kind == step_kind::commit)
          commit_ok = status == PGRES_COMMAND_OK;
      }
      if (!done && !alive())
        break;
    }
    if (alive()) {
      result_ptr sync{PQgetResult(conn), &PQclear};
      if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC)
        close();
    }
    return settle(std::move(out), error_seen, commit_ok);
  }

  attempt_outcome settle(attempt_outcome out, bool error_seen, bool commit_ok) {
    if (commit_ok && !error_seen) { // committed, even if the connection broke afterwards
      if (conn != nullptr)
        PQexitPipelineMode(conn);
      out.kind = attempt_outcome::committed;
      return out;
    }
    bool server_said = error_seen && !out.error.sqlstate.empty();
    if (!alive() || (server_said && is_connection_state(out.error.sqlstate))) {
      auto code = server_said ? errc::database_unavailable : errc::commit_unknown;
      auto detail = error_seen ? out.error.detail : std::string{"the connection broke"};
      close();
      out.kind = attempt_outcome::lost;
      out.error = {code, std::move(detail)};
      return out;
    }
    if (!error_seen) {
      out.kind = attempt_outcome::rejected;
      out.error = {errc::database_error, "COMMIT was not confirmed"};
    }
    PQexitPipelineMode(conn);
    result_ptr rollback{PQexec(conn, "ROLLBACK"), &PQclear};
    if (is_transient_state(out.error.sqlstate))
      out.kind = attempt_outcome::transient;
    return out;
  }

  attempt_outcome attempt(const std::vector<write_command>& commands,
                          const std::vector<bool>& failed) {
    std::vector<step> steps;
    if (!send(commands, failed, steps)) {
      // Nothing was committed: COMMIT and the sync were not both sent, or nothing answered.
      attempt_outcome out;
      out.kind = attempt_outcome::lost;
      out.error = {errc::database_unavailable, PQerrorMessage(conn)};
      close();
      return out;
    }
    return receive(steps, commands.size());
  }
};

batch_connection::batch_connection(std::unique_ptr<impl> state) : impl_(std::move(state)) {
  // nop
}

batch_connection::~batch_connection() = default;

expected<std::unique_ptr<batch_connection>> batch_connection::open(const std::string& url) {
  auto state = std::make_unique<impl>();
  state->conn = PQconnectdb(url.c_str());
  if (!state->alive())
    return make_unexpected(errc::database_unavailable, PQerrorMessage(state->conn));
  // Untranslated messages where the role may (constraint names, as `connection` does), and
  // no transaction left idle for long by a client cut off from the database: a takeover of
  // its entities waits for their row locks (docs/cluster.md).
  for (const char* setting :
       {"SET lc_messages TO 'C'", "SET idle_in_transaction_session_timeout = '4s'"})
    result_ptr{PQexec(state->conn, setting), &PQclear};
  if (PQsetnonblocking(state->conn, 1) != 0)
    return make_unexpected(errc::database_unavailable, PQerrorMessage(state->conn));
  return std::unique_ptr<batch_connection>{new batch_connection(std::move(state))};
}

bool batch_connection::is_open() const {
  return impl_->alive();
}

int batch_connection::backend_pid() const {
  return impl_->alive() ? PQbackendPID(impl_->conn) : 0;
}

const batch_stats& batch_connection::stats() const {
  return impl_->stats;
}

std::vector<expected<write_result>>
batch_connection::execute_batch(const std::vector<write_command>& commands) {
  std::vector<expected<write_result>> out(commands.size(),
                                          make_unexpected(errc::database_unavailable));
  std::vector<bool> failed(commands.size(), false);
  auto& stats = impl_->stats;
  auto fail_pending = [&](const error_info& error) {
    for (size_t i = 0; i < commands.size(); ++i)
      if (!failed[i]) {
        out[i] = tl::unexpected<error_info>{error};
        ++stats.commands_failed;
      }
  };
  if (!impl_->alive()) {
    fail_pending({errc::database_unavailable, "no database connection"});
    return out;
  }
  // Each failed attempt removes a failing command, so this terminates. A deadlock victim
  // (nodes lock ownership rows in no common order) runs again as it was, up to 5 times.
  constexpr size_t transient_limit = 5;
  size_t transient_retries = 0;
  for (size_t pass = 0; pass <= commands.size() + transient_limit; ++pass) {
    auto attempt = impl_->attempt(commands, failed);
    switch (attempt.kind) {
      case attempt_outcome::committed:
        ++stats.transactions_committed;
        for (size_t i = 0; i < commands.size(); ++i)
          if (!failed[i]) {
            out[i] = std::move(attempt.results[i]);
            ++stats.commands_committed;
          }
        return out;
      case attempt_outcome::transient:
        ++stats.transactions_rolled_back;
        if (transient_retries++ < transient_limit)
          continue;
        fail_pending(attempt.error);
        return out;
      case attempt_outcome::command_failed:
        ++stats.transactions_rolled_back;
        failed[attempt.index] = true;
        out[attempt.index] = tl::unexpected<error_info>{attempt.error};
        ++stats.commands_failed;
        continue;
      case attempt_outcome::lost:
        fail_pending(attempt.error);
        return out;
      case attempt_outcome::rejected: // BEGIN or COMMIT itself refused
        ++stats.transactions_rolled_back;
        fail_pending({errc::database_error, attempt.error.detail, attempt.error.sqlstate});
        return out;
    }
  }
  fail_pending({errc::database_error, "batch retry limit reached"});
  return out;
}

} // namespace messenger::persistence
