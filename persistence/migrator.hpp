#pragma once

#include "common/expected.hpp"
#include "persistence/sql.hpp"

#include <string>
#include <vector>

namespace messenger::persistence {

/// One migration file, persistence/migrations/NNNN_name.sql, embedded at build time.
struct migration {
  std::string version; ///< "0001"
  std::string name;    ///< "core_schema"
  std::string sql;
};

/// Every migration shipped with this binary, ordered by version.
const std::vector<migration>& embedded_migrations();

struct migration_report {
  std::vector<std::string> applied;         ///< versions applied by this call
  std::vector<std::string> already_applied; ///< versions found in schema_migrations
};

/// Applies the pending migrations in order, each in its own transaction, while holding
/// a PostgreSQL advisory lock, so several nodes may start (and migrate) at once.
/// Records each version in `schema_migrations`. Idempotent.
expected<migration_report> migrate(const std::string& database_url,
                                   const std::vector<migration>& migrations);

/// True when every given migration is recorded in schema_migrations.
expected<bool> migrations_applied(const std::string& database_url,
                                  const std::vector<migration>& migrations);

/// The query that lists the applied versions, for a reader (it fails while the database has
/// no schema_migrations table yet).
statement applied_versions_query();

/// True when `applied`, the answer to applied_versions_query(), lists every given migration.
bool all_applied(const result_set& applied, const std::vector<migration>& migrations);

} // namespace messenger::persistence
