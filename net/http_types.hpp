#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace messenger::net {

/// A parsed HTTP request, independent of Beast (so handlers need no Beast headers).
struct http_request {
  std::string method; ///< "GET", "POST", ...
  std::string target; ///< raw request target, e.g. "/api/v1/x?page=2"
  std::string path;   ///< percent-decoded path without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers; ///< lower-case names
  std::map<std::string, std::string> params;  ///< path parameters from the router
  std::string body;
  std::string remote_ip;
  /// The pattern of the route that matched (set by the router; metrics label), e.g.
  /// "/api/v1/accounts/:account_id/conversations".
  std::string route;
  /// X-Request-Id: taken from the request or generated at the edge; echoed in the response.
  std::string request_id;

  /// Header value by lower-case name, empty when absent.
  std::string header(const std::string& lower_name) const;

  /// Every value of a query key, in order (`labels[]=a&labels[]=b` → a, b), read from
  /// `target`; `query` keeps only the last value of a repeated key.
  std::vector<std::string> query_values(const std::string& key) const;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static http_response json(unsigned status, std::string body);
  /// Chatwoot's error shape: {"error": "<message>"}.
  static http_response error(unsigned status, const std::string& message);
};

/// Completes a request. Call exactly once, from any thread; the server hops back onto
/// the connection's strand.
using responder = std::function<void(http_response)>;

using handler = std::function<void(http_request&, responder)>;

/// Splits "a=1&b=x%20y" into decoded pairs (of a repeated key, the last value).
std::map<std::string, std::string> parse_query(const std::string& query);

/// Splits "a=1&b=x%20y&a=2" into decoded pairs in order, repeated keys included.
std::vector<std::pair<std::string, std::string>> parse_query_pairs(const std::string& query);

/// Decodes %XX escapes (and '+' as space when `plus_is_space`).
std::string percent_decode(const std::string& text, bool plus_is_space);

/// Escapes a string for inclusion in a JSON string literal (without the quotes).
std::string json_escape(const std::string& text);

} // namespace messenger::net
