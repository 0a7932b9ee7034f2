#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace messenger::persistence {

/// A nullable SQL text value (parameters and result fields travel as text).
struct sql_value {
  bool is_null = true;
  std::string text;

  static sql_value null() { return {}; }
  static sql_value of(std::string value) { return {false, std::move(value)}; }
  std::optional<std::string> get() const {
    return is_null ? std::nullopt : std::optional<std::string>{text};
  }
  friend bool operator==(const sql_value&, const sql_value&) = default;
};

/// One SQL statement with positional parameters ($1, $2, ...). A statement with
/// parameters is executed as a prepared statement (prepared once per connection,
/// keyed by its text); one without may hold several statements (simple protocol).
struct statement {
  std::string sql;
  std::vector<sql_value> params;
  /// Planned for its actual parameter values every time (an unnamed statement) instead of
  /// prepared once: for queries with optional filters (`$n IS NULL OR …`) or LIKE patterns,
  /// where a generic plan cannot use the indexes the values allow.
  bool plan_each_time = false;
};

/// The statement, marked to be planned with its actual values on every execution.
statement planned_each_time(statement stmt);

/// Rows returned by one statement.
struct result_set {
  std::vector<std::string> columns;
  std::vector<std::vector<sql_value>> rows;
  uint64_t affected_rows = 0;

  /// Field (row, column name); null value when either does not exist.
  sql_value field(size_t row, const std::string& column) const;
};

/// What one actor asks the writer to commit: statements executed in order, all or
/// nothing. Several commands share a transaction (group commit), but a failing
/// command never takes the others down with it.
struct write_command {
  std::vector<statement> statements;
};

/// One result set per statement of the command, in order.
struct write_result {
  std::vector<result_set> results;
};

/// Convenience builder: statement{sql, {params...}} with text conversion.
statement make_statement(std::string sql, std::vector<std::optional<std::string>> params = {});

} // namespace messenger::persistence
