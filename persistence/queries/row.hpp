#pragma once

#include "persistence/sql.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

/// Conversions between PostgreSQL's text forms and C++ types, in one place. Every typed
/// query in persistence/queries/ builds its parameters with `statement_of` and reads its rows
/// through `row_view`; nothing outside persistence/ converts SQL text by hand.
namespace messenger::persistence::queries {

/// A PostgreSQL text[] literal ({"a","b"}) of the values, quoted and escaped.
std::string text_array(const std::vector<std::string>& values);

/// A PostgreSQL bigint[] literal ({1,2}).
std::string int64_array(const std::vector<int64_t>& values);

/// One parameter in PostgreSQL's text form: integers, booleans (true/false), doubles,
/// strings, optionals of them (null when empty) and vectors (as array literals).
sql_value param(std::nullopt_t);
sql_value param(bool value);
sql_value param(int64_t value);
sql_value param(int value);
sql_value param(double value);
sql_value param(std::string value);
sql_value param(const char* value);
sql_value param(std::string_view value);
sql_value param(const std::vector<std::string>& values);
sql_value param(const std::vector<int64_t>& values);
sql_value param(const sql_value& value);

template <class T>
sql_value param(const std::optional<T>& value) {
  return value ? param(*value) : sql_value::null();
}

/// statement{sql, {param(args)...}}: the one way a query builds its statement.
template <class... Args>
statement statement_of(std::string sql, const Args&... args) {
  statement stmt{std::move(sql), {}};
  stmt.params.reserve(sizeof...(Args));
  (stmt.params.push_back(param(args)), ...);
  return stmt;
}

/// One row of a result set, read by column name. A missing or null column reads as the
/// type's empty value (0, false, "") or as std::nullopt for the optional readers.
class row_view {
public:
  row_view(const result_set& rs, size_t row) : rs_(&rs), row_(row) {}

  bool is_null(std::string_view column) const;
  int64_t int64(std::string_view column) const;
  std::optional<int64_t> opt_int64(std::string_view column) const;
  double real(std::string_view column) const;
  /// PostgreSQL's boolean text ("t"/"true").
  bool boolean(std::string_view column) const;
  std::string text(std::string_view column) const;
  std::optional<std::string> opt_text(std::string_view column) const;
  /// A bigint[] column ({1,2,3}); empty when null.
  std::vector<int64_t> int64_list(std::string_view column) const;
  /// A text[] column; empty when null.
  std::vector<std::string> text_list(std::string_view column) const;

private:
  const sql_value* find(std::string_view column) const;
  const result_set* rs_;
  size_t row_;
};

/// f(row_view) for every row, in order.
template <class F>
auto map_rows(const result_set& rs, F f) {
  std::vector<std::decay_t<decltype(f(row_view{rs, 0}))>> out;
  out.reserve(rs.rows.size());
  for (size_t i = 0; i < rs.rows.size(); ++i)
    out.push_back(f(row_view{rs, i}));
  return out;
}

/// f(first row), or nullopt when there is none.
template <class F>
auto first_row(const result_set& rs, F f)
  -> std::optional<std::decay_t<decltype(f(row_view{rs, 0}))>> {
  if (rs.rows.empty())
    return std::nullopt;
  return f(row_view{rs, 0});
}

/// A JSON document rendered by SQL (the messenger_*_json functions of migration 0003),
/// kept as its text for the edge to splice into an answer.
struct json_doc {
  std::string json;
};

/// Column `column` of every row as a JSON document.
std::vector<json_doc> json_docs(const result_set& rs, std::string_view column = "j");

/// Column `column` of the first row, or nullopt.
std::optional<json_doc> json_doc_of(const result_set& rs, std::string_view column = "j");

/// acts-as-taggable-on's label list text ("a, b", cached_label_list), as the label and
/// tagging statements split it again.
std::string label_list(const std::vector<std::string>& labels);
/// The labels of a label list text ("" = none).
std::vector<std::string> split_label_list(const std::string& text);

} // namespace messenger::persistence::queries
