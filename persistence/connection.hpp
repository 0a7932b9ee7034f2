#pragma once

#include "common/expected.hpp"
#include "persistence/sql.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace messenger::persistence {

/// Counters of one batch connection's executions (read by stats and tests).
struct batch_stats {
  uint64_t transactions_committed = 0;
  uint64_t transactions_rolled_back = 0;
  uint64_t commands_committed = 0;
  uint64_t commands_failed = 0;
};

/// The constraint a PostgreSQL integrity error names (`... violates unique constraint
/// "NAME"`), or "" when the message names none.
std::string constraint_of(std::string_view message);

/// The error a failed statement gets, from its SQLSTATE: conflict (23505), fenced (MF001,
/// and the retryable 40P01/40001/55P03), invalid_argument (other integrity and data
/// errors), else database_error.
error_info classify_sql_error(const std::string& sqlstate, std::string message,
                              std::string constraint);

/// The transaction was rolled back because of other transactions (deadlock, serialization
/// failure), not because of anything in it: the same batch may simply run again.
bool is_transient_state(std::string_view state);

/// The connection is gone or going (class 08, 57P0x), not the statement's fault.
bool is_connection_state(std::string_view state);

/// One PostgreSQL connection for reads (libpqxx behind a pimpl, so pqxx stays in this
/// folder's .cpp files); batches of writes go through `batch_connection`. Blocking: use it
/// only from a detached actor or a plain thread.
class connection {
public:
  static expected<std::unique_ptr<connection>> open(const std::string& url);

  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  bool is_open() const;
  int backend_pid() const;

  /// Runs one statement in autocommit (one round trip); the session is read-only.
  expected<result_set> query(const statement& stmt);

private:
  struct impl;
  explicit connection(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace messenger::persistence
