#include "net/api/params.hpp"

#include "domain/types.hpp"

#include <algorithm>
#include <cctype>

namespace messenger::net::api {

namespace {

/// multipart/form-data (Rails params; what Chatwoot's JS clients send for messages) as a
/// JSON object of strings. File parts are collected under "attachments[]" by filename.
std::optional<nlohmann::json> multipart_object(const std::string& body,
                                               const std::string& content_type) {
  auto at = content_type.find("boundary=");
  if (at == std::string::npos)
    return std::nullopt;
  auto boundary = content_type.substr(at + 9);
  if (auto semi = boundary.find(';'); semi != std::string::npos)
    boundary.resize(semi);
  if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"')
    boundary = boundary.substr(1, boundary.size() - 2);
  if (boundary.empty())
    return std::nullopt;
  auto delimiter = "--" + boundary;
  auto doc = nlohmann::json::object();
  size_t pos = body.find(delimiter);
  if (pos == std::string::npos)
    return std::nullopt;
  for (;;) {
    pos += delimiter.size();
    if (body.compare(pos, 2, "--") == 0)
      return doc; // closing delimiter
    if (body.compare(pos, 2, "\r\n") != 0)
      return std::nullopt;
    pos += 2;
    auto head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string::npos)
      return std::nullopt;
    auto head = body.substr(pos, head_end - pos);
    auto next = body.find("\r\n" + delimiter, head_end + 4);
    if (next == std::string::npos)
      return std::nullopt;
    auto value = body.substr(head_end + 4, next - head_end - 4);
    auto lower = head;
    for (auto& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto name_at = lower.find("name=\"");
    if (name_at == std::string::npos)
      return std::nullopt;
    auto name_end = head.find('"', name_at + 6);
    if (name_end == std::string::npos)
      return std::nullopt;
    auto name = head.substr(name_at + 6, name_end - name_at - 6);
    if (lower.find("filename=") != std::string::npos)
      doc["attachments[]"].push_back(name);
    else
      doc[name] = value;
    pos = next + 2;
  }
}

} // namespace

std::optional<bool> bool_field(const nlohmann::json& body, const char* key, std::string& problem) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null())
    return std::nullopt;
  if (it->is_boolean())
    return it->get<bool>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s == "true" || s == "1")
      return true;
    if (s == "false" || s == "0" || s.empty())
      return false;
  }
  problem = std::string{key} + " must be true or false";
  return std::nullopt;
}

bool answered_problem(const std::string& problem, const responder& respond) {
  if (problem.empty())
    return false;
  respond(http_response::error(422, "Validation failed: " + problem));
  return true;
}

std::optional<std::string> text_field(const nlohmann::json& body, const char* key,
                                      std::string& problem) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null())
    return std::nullopt;
  if (!it->is_string()) {
    problem = std::string{key} + " must be a string";
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<nlohmann::json> body_of(const http_request& req, const responder& respond) {
  auto type = req.header("content-type");
  if (type.rfind("multipart/form-data", 0) == 0) {
    auto doc = multipart_object(req.body, type);
    if (!doc) {
      respond(http_response::error(422, "the multipart body could not be parsed"));
      return std::nullopt;
    }
    return doc;
  }
  auto doc = nlohmann::json::parse(req.body.empty() ? std::string{"{}"} : req.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    respond(http_response::error(422, "the request body must be a JSON object"));
    return std::nullopt;
  }
  return doc;
}

nlohmann::json nested(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_object() ? *it : body;
}

std::optional<std::string> string_field(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    return std::nullopt;
  return it->get<std::string>();
}

std::optional<int64_t> int_field(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end())
    return std::nullopt;
  if (it->is_number_integer())
    return it->get<int64_t>();
  if (it->is_string())
    return domain::parse_id(it->get_ref<const std::string&>());
  return std::nullopt;
}

std::optional<std::string> query_param(const http_request& req, const char* key) {
  auto it = req.query.find(key);
  if (it == req.query.end() || it->second.empty())
    return std::nullopt;
  return it->second;
}

std::optional<int64_t> page_param(const http_request& req, std::string& problem) {
  auto page = query_param(req, "page");
  if (!page)
    return 1;
  auto number = page->size() > 6 ? std::nullopt : domain::parse_id(*page);
  if (!number || *number < 1) {
    problem = "page must be a positive number";
    return std::nullopt;
  }
  return number;
}

std::vector<std::string> query_values(const http_request& req, const char* key) {
  auto values = req.query_values(key);
  values.erase(std::remove(values.begin(), values.end(), std::string{}), values.end());
  return values;
}

} // namespace messenger::net::api
