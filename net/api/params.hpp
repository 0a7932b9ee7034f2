#pragma once

#include "net/http_types.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

/// The request's body and parameters as the handlers read them (Rails' params).
namespace messenger::net::api {

/// Parses the request body as a JSON object (an empty body is `{}`; a multipart/form-data
/// body becomes an object of its text fields, file parts listed under "attachments[]"), or
/// answers 422 with Chatwoot's error shape and returns nothing.
std::optional<nlohmann::json> body_of(const http_request& req, const responder& respond);

/// A boolean member: true/false, or Rails' string forms "true"/"false"/"1"/"0" (multipart
/// fields are strings); nothing when absent or null. Anything else sets `problem`
/// ("private must be true or false") and answers nothing: the caller answers 422.
std::optional<bool> bool_field(const nlohmann::json& body, const char* key, std::string& problem);

/// When `problem` is set: answers 422 "Validation failed: <problem>" and returns true.
bool answered_problem(const std::string& problem, const responder& respond);

/// A string member (possibly empty); nothing when absent or null. Another type sets
/// `problem` ("name must be a string").
std::optional<std::string> text_field(const nlohmann::json& body, const char* key,
                                      std::string& problem);

/// A non-empty string member of a JSON object, or nothing (absent, null, other types).
std::optional<std::string> string_field(const nlohmann::json& body, const char* key);

/// An integer member of a JSON object (a number or a string of digits), or nothing.
std::optional<int64_t> int_field(const nlohmann::json& body, const char* key);

/// A non-empty query parameter, or nothing.
std::optional<std::string> query_param(const http_request& req, const char* key);

/// `?page=` as a 1-based page number (default 1); nothing, with `problem` set, when it is not
/// a positive number below one million.
std::optional<int64_t> page_param(const http_request& req, std::string& problem);

/// The non-empty values of a repeated query parameter (`labels[]=a&labels[]=b`), in order.
std::vector<std::string> query_values(const http_request& req, const char* key);

/// The request body's object under `key` when present (Rails' `params.require(:key)`), else
/// the body itself (the swagger documents top-level attributes).
nlohmann::json nested(const nlohmann::json& body, const char* key);

} // namespace messenger::net::api
