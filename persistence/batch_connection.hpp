#pragma once

#include "common/expected.hpp"
#include "persistence/connection.hpp"
#include "persistence/sql.hpp"

#include <memory>
#include <string>
#include <vector>

namespace messenger::persistence {

/// The group-commit writer's connection. A batch is sent as one libpq pipeline (BEGIN,
/// every statement of every command, COMMIT, then one sync), so a transaction of N commands
/// costs one round trip instead of one per statement. libpqxx 6.4 has no pipeline mode, so
/// this class speaks libpq directly (on its own connection; readers keep using `connection`).
/// Blocking: use it only from a detached actor or a plain thread.
class batch_connection {
public:
  static expected<std::unique_ptr<batch_connection>> open(const std::string& url);

  ~batch_connection();
  batch_connection(const batch_connection&) = delete;
  batch_connection& operator=(const batch_connection&) = delete;

  bool is_open() const;
  int backend_pid() const;

  /// Executes `commands` in one transaction. A command whose statements fail with an
  /// SQL error gets that error and the transaction is retried without it, so the
  /// others still commit (a deadlock victim runs again as it was, up to 5 times). If the
  /// connection breaks, every command not yet committed gets `database_unavailable`, or
  /// `commit_unknown` when the server may have committed before the break.
  /// A success value is only returned after COMMIT succeeded.
  std::vector<expected<write_result>> execute_batch(const std::vector<write_command>& commands);

  const batch_stats& stats() const;

  struct impl;

private:
  explicit batch_connection(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace messenger::persistence
