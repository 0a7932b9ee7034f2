#include "net/api/context.hpp"

#include "actors/errors.hpp"
#include "common/log.hpp"
#include "domain/types.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"

#include <caf/all.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <random>

namespace messenger::net::api {

http_response error_response(const caf::error& err) {
  auto info = actors::from_caf_error(err);
  switch (info.code) {
    case errc::not_found:
      return http_response::error(404, "Resource could not be found");
    case errc::unauthorized:
      return http_response::error(401, info.detail.empty() ? "Invalid Access Token" : info.detail);
    case errc::invalid_argument:
      return http_response::error(422, info.detail);
    case errc::conflict: {
      // A unique index said no; name the attribute the way Rails validations do rather
      // than echoing PostgreSQL's message.
      for (const char* attribute : {"email", "identifier", "phone_number", "source_id", "url"})
        if (info.detail.find(attribute) != std::string::npos) {
          std::string name{attribute};
          name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
          return http_response::error(422, name + " has already been taken");
        }
      return http_response::error(422, "Validation failed: already exists");
    }
    case errc::rate_limited:
      return http_response::error(422, "Validation failed: " + info.detail);
    case errc::timeout:
      return http_response::error(504, "The request timed out");
    case errc::database_unavailable:
    case errc::commit_unknown:
    case errc::overloaded:
    case errc::shutting_down:
      return http_response::error(503, "Service unavailable, try again");
    case errc::database_error:
      log::warn("api_database_error", log::fields{}("detail", info.detail));
      break;
  }
  return http_response::error(500, "Internal server error");
}

http_response not_found() {
  return http_response::error(404, "Resource could not be found");
}

http_response not_admin() {
  return http_response::error(401, "You are not authorized to do this action");
}

http_response deferred() {
  http_response res;
  res.status = 0;
  return res;
}

responder pass_on(responder respond) {
  return [respond = std::move(respond)](http_response res) {
    if (res.status != 0)
      respond(std::move(res));
  };
}

handler bind_context(const context& ctx, context_handler fn) {
  return [ctx, fn](http_request& req, responder respond) { fn(ctx, req, std::move(respond)); };
}

void query(const context& ctx, persistence::statement stmt,
           std::function<http_response(persistence::result_set&)> ok, responder respond) {
  ask(
    *ctx.sys, ctx.reader, request_timeout,
    [ok, respond](persistence::result_set& rs) { respond(ok(rs)); },
    [respond](caf::error& err) { respond(error_response(err)); }, actors::query_atom_v,
    std::move(stmt));
}

void write(const context& ctx, persistence::write_command cmd,
           std::function<http_response(persistence::write_result&)> ok, responder respond) {
  ask(
    *ctx.sys, ctx.writer, request_timeout,
    [ok, respond](persistence::write_result& res) { respond(ok(res)); },
    [respond](caf::error& err) { respond(error_response(err)); }, actors::write_atom_v,
    std::move(cmd));
}

void retire_and_write(const context& ctx, actors::retire_scope scope, int64_t id,
                      persistence::write_command cmd,
                      std::function<http_response(persistence::write_result&)> ok,
                      responder respond) {
  auto code = static_cast<uint8_t>(scope);
  auto registry = ctx.registry;
  // Whatever the delete's outcome, the scope is released before the answer goes out.
  responder release_then_respond = [registry, code, id, respond](http_response res) {
    caf::anon_send(registry, actors::release_atom_v, code, id);
    respond(std::move(res));
  };
  ask(
    *ctx.sys, ctx.registry, request_timeout,
    [ctx, cmd, ok, release_then_respond](uint64_t) mutable {
      write(ctx, std::move(cmd), ok, release_then_respond);
    },
    [release_then_respond](caf::error& err) { release_then_respond(error_response(err)); },
    actors::retire_atom_v, code, id);
}

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

std::optional<bool> bool_field(const nlohmann::json& body, const char* key) {
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
  throw nlohmann::json::type_error::create(302, std::string{key} + " must be true or false",
                                           nullptr);
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

void with_admin(const context& ctx, const http_request& req, const responder& respond,
                std::function<void(caller)> next) {
  with_account_user(ctx, req, respond, [respond, next](caller who) {
    if (!who.administrator)
      return respond(not_admin());
    next(std::move(who));
  });
}

void with_account_user_id(const context& ctx, const http_request& req, const responder& respond,
                          const char* param, std::function<void(caller, int64_t)> next) {
  auto id = id_param(req, param);
  with_account_user(ctx, req, respond, [respond, id, next](caller who) {
    if (!id)
      return respond(not_found());
    next(std::move(who), *id);
  });
}

void with_admin_id(const context& ctx, const http_request& req, const responder& respond,
                   const char* param, std::function<void(caller, int64_t)> next) {
  auto id = id_param(req, param);
  with_admin(ctx, req, respond, [respond, id, next](caller who) {
    if (!id)
      return respond(not_found());
    next(std::move(who), *id);
  });
}

http_response ok_empty() {
  return http_response::json(200, "");
}

http_response ok_empty_or_not_found(const persistence::result_set& rs) {
  return rs.rows.empty() ? not_found() : ok_empty();
}

std::string json_array_text(const std::vector<persistence::queries::json_doc>& docs) {
  std::string out = "[";
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i > 0)
      out += ',';
    out += docs[i].json;
  }
  out += ']';
  return out;
}

http_response json_list(const std::vector<persistence::queries::json_doc>& docs) {
  return http_response::json(200, json_array_text(docs));
}

http_response json_or_not_found(const std::optional<persistence::queries::json_doc>& doc) {
  return doc ? http_response::json(200, doc->json) : not_found();
}

void publish(const context& ctx, actors::domain_event ev) {
  caf::anon_send(ctx.dispatcher, actors::publish_atom_v, std::move(ev));
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

std::string text_array(const std::vector<std::string>& texts) {
  std::string out = "{";
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i > 0)
      out += ',';
    out += '"';
    for (char c : texts[i]) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string id_array(const std::vector<int64_t>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0)
      out += ',';
    out += std::to_string(ids[i]);
  }
  out += '}';
  return out;
}

namespace {

std::string hex_of(const unsigned char* digest, unsigned int length) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

} // namespace

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return hex_of(digest, length);
}

std::string hmac_sha256_hex(const std::string& key, const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length);
  return hex_of(digest, length);
}

bool secure_equals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

std::string secure_token() {
  static constexpr char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::random_device entropy;
  std::string out;
  for (int i = 0; i < 24; ++i)
    out += alphabet[entropy() % 58];
  return out;
}

} // namespace messenger::net::api
