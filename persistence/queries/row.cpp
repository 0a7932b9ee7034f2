#include "persistence/queries/row.hpp"

#include <charconv>

namespace messenger::persistence::queries {

namespace {

/// Splits an array literal's body ({a,"b c",NULL}) into its elements (NULL dropped).
std::vector<std::string> array_elements(const std::string& literal) {
  std::vector<std::string> out;
  if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}')
    return out;
  std::string current;
  bool quoted = false;
  bool was_quoted = false;
  bool any = false;
  for (size_t i = 1; i + 1 < literal.size(); ++i) {
    char c = literal[i];
    if (quoted) {
      if (c == '\\' && i + 2 < literal.size())
        current += literal[++i];
      else if (c == '"')
        quoted = false;
      else
        current += c;
    } else if (c == '"') {
      quoted = was_quoted = any = true;
    } else if (c == ',') {
      if (was_quoted || current != "NULL")
        out.push_back(std::move(current));
      current.clear();
      was_quoted = false;
    } else {
      current += c;
      any = true;
    }
  }
  if (any && (was_quoted || current != "NULL"))
    out.push_back(std::move(current));
  return out;
}

int64_t to_int64(const std::string& text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

} // namespace

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0)
      out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string int64_array(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0)
      out += ',';
    out += std::to_string(values[i]);
  }
  out += '}';
  return out;
}

sql_value param(std::nullopt_t) {
  return sql_value::null();
}
sql_value param(bool value) {
  return sql_value::of(value ? "true" : "false");
}
sql_value param(int64_t value) {
  return sql_value::of(std::to_string(value));
}
sql_value param(int value) {
  return sql_value::of(std::to_string(value));
}
sql_value param(double value) {
  return sql_value::of(std::to_string(value));
}
sql_value param(std::string value) {
  return sql_value::of(std::move(value));
}
sql_value param(const char* value) {
  return sql_value::of(value);
}
sql_value param(std::string_view value) {
  return sql_value::of(std::string{value});
}
sql_value param(const std::vector<std::string>& values) {
  return sql_value::of(text_array(values));
}
sql_value param(const std::vector<int64_t>& values) {
  return sql_value::of(int64_array(values));
}
sql_value param(const sql_value& value) {
  return value;
}

const sql_value* row_view::find(std::string_view column) const {
  if (row_ >= rs_->rows.size())
    return nullptr;
  const auto& row = rs_->rows[row_];
  for (size_t i = 0; i < rs_->columns.size() && i < row.size(); ++i)
    if (rs_->columns[i] == column)
      return row[i].is_null ? nullptr : &row[i];
  return nullptr;
}

bool row_view::is_null(std::string_view column) const {
  return find(column) == nullptr;
}

int64_t row_view::int64(std::string_view column) const {
  auto v = find(column);
  return v ? to_int64(v->text) : 0;
}

std::optional<int64_t> row_view::opt_int64(std::string_view column) const {
  auto v = find(column);
  return v ? std::optional<int64_t>{to_int64(v->text)} : std::nullopt;
}

double row_view::real(std::string_view column) const {
  auto v = find(column);
  if (!v)
    return 0;
  try {
    return std::stod(v->text);
  } catch (...) {
    return 0;
  }
}

bool row_view::boolean(std::string_view column) const {
  auto v = find(column);
  return v && (v->text == "t" || v->text == "true");
}

std::string row_view::text(std::string_view column) const {
  auto v = find(column);
  return v ? v->text : std::string{};
}

std::optional<std::string> row_view::opt_text(std::string_view column) const {
  auto v = find(column);
  return v ? std::optional<std::string>{v->text} : std::nullopt;
}

std::vector<int64_t> row_view::int64_list(std::string_view column) const {
  std::vector<int64_t> out;
  auto v = find(column);
  if (!v)
    return out;
  for (auto& e : array_elements(v->text))
    out.push_back(to_int64(e));
  return out;
}

std::vector<std::string> row_view::text_list(std::string_view column) const {
  auto v = find(column);
  return v ? array_elements(v->text) : std::vector<std::string>{};
}

std::vector<json_doc> json_docs(const result_set& rs, std::string_view column) {
  return map_rows(rs, [&](const row_view& r) { return json_doc{r.text(column)}; });
}

std::optional<json_doc> json_doc_of(const result_set& rs, std::string_view column) {
  return first_row(rs, [&](const row_view& r) { return json_doc{r.text(column)}; });
}

std::string label_list(const std::vector<std::string>& labels) {
  std::string out;
  for (const auto& label : labels) {
    if (!out.empty())
      out += ", ";
    out += label;
  }
  return out;
}

std::vector<std::string> split_label_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (!text.empty() && start <= text.size()) {
    auto end = text.find(", ", start);
    out.push_back(text.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos)
      break;
    start = end + 2;
  }
  return out;
}

} // namespace messenger::persistence::queries
