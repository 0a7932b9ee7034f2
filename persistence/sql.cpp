#include "persistence/sql.hpp"

namespace messenger::persistence {

sql_value result_set::field(size_t row, const std::string& column) const {
  if (row >= rows.size())
    return sql_value::null();
  for (size_t i = 0; i < columns.size() && i < rows[row].size(); ++i)
    if (columns[i] == column)
      return rows[row][i];
  return sql_value::null();
}

statement make_statement(std::string sql, std::vector<std::optional<std::string>> params) {
  statement result{std::move(sql), {}};
  result.params.reserve(params.size());
  for (auto& param : params)
    result.params.push_back(param ? sql_value::of(std::move(*param)) : sql_value::null());
  return result;
}

statement planned_each_time(statement stmt) {
  stmt.plan_each_time = true;
  return stmt;
}

} // namespace messenger::persistence
