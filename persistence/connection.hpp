#pragma once

#include "common/expected.hpp"
#include "persistence/sql.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace messenger::persistence {

/// Counters of one connection's batch executions (read by stats and tests).
struct batch_stats {
  uint64_t transactions_committed = 0;
  uint64_t transactions_rolled_back = 0;
  uint64_t commands_committed = 0;
  uint64_t commands_failed = 0;
};

/// The constraint a PostgreSQL integrity error names (`... violates unique constraint
/// "NAME"`), or "" when the message names none.
std::string constraint_of(std::string_view message);

/// One PostgreSQL connection (libpqxx behind a pimpl, so pqxx stays in this folder's
/// .cpp files). Blocking: use it only from a detached actor or a plain thread.
class connection {
public:
  static expected<std::unique_ptr<connection>> open(const std::string& url);

  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  bool is_open() const;
  int backend_pid() const;

  /// Executes `commands` in one transaction. A command whose statements fail with an
  /// SQL error gets that error and the transaction is retried without it, so the
  /// others still commit. If the connection breaks, every command not yet committed
  /// gets `database_unavailable` (or `commit_unknown` when it broke during COMMIT).
  /// A success value is only returned after COMMIT succeeded.
  std::vector<expected<write_result>> execute_batch(const std::vector<write_command>& commands);

  /// Runs a read-only query in its own short transaction.
  expected<result_set> query(const statement& stmt);

  const batch_stats& stats() const;

private:
  struct impl;
  explicit connection(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace messenger::persistence
