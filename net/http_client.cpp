#include "net/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <optional>

namespace messenger::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct url_parts {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

std::optional<url_parts> parse_url(const std::string& url) {
  url_parts u;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!u.target.empty() && u.target[0] == '?')
    u.target = "/" + u.target;
  auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty() || u.port.empty())
    return std::nullopt;
  return u;
}

using steady = std::chrono::steady_clock;

/// Runs the asynchronous operation that `start(handler)` begins until it completes or
/// `deadline` passes; a late operation is cancelled (`cancel`) and reported as a timeout.
/// (Beast's stream timeouts do not apply to synchronous operations.)
template <class Start, class Cancel>
beast::error_code run_until(asio::io_context& ioc, steady::time_point deadline, Start start,
                            Cancel cancel) {
  std::optional<beast::error_code> result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run_until(deadline);
  if (result)
    return *result;
  cancel();
  ioc.restart();
  ioc.run(); // the cancelled operation completes
  return beast::error::timeout;
}

void check(beast::error_code ec) {
  if (ec)
    throw beast::system_error{ec};
}

/// Sends the request and reads the answer's status on a connected stream.
template <class Stream>
unsigned exchange(asio::io_context& ioc, Stream& stream, steady::time_point deadline,
                  const url_parts& u, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req{http::verb::post, u.target, 11};
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "messenger-webhooks");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : headers)
    req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  auto cancel = [&stream] { beast::get_lowest_layer(stream).cancel(); };
  check(run_until(
    ioc, deadline, [&](auto done) { http::async_write(stream, req, std::move(done)); }, cancel));
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  check(run_until(
    ioc, deadline, [&](auto done) { http::async_read(stream, buffer, res, std::move(done)); },
    cancel));
  return static_cast<unsigned>(res.result_int());
}

} // namespace

expected<unsigned> post(const std::string& url, const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        std::chrono::milliseconds timeout) {
  auto u = parse_url(url);
  if (!u)
    return make_unexpected(errc::invalid_argument, "unsupported url");
  auto deadline = steady::now() + timeout;
  try {
    asio::io_context ioc;
    tcp::resolver resolver{ioc};
    tcp::resolver::results_type endpoints;
    check(run_until(
      ioc, deadline,
      [&](auto done) {
        resolver.async_resolve(u->host, u->port,
                               [&endpoints, done = std::move(done)](
                                 beast::error_code ec, tcp::resolver::results_type found) mutable {
                                 endpoints = std::move(found);
                                 done(ec);
                               });
      },
      [&resolver] { resolver.cancel(); }));
    if (!u->tls) {
      beast::tcp_stream stream{ioc};
      check(run_until(
        ioc, deadline, [&](auto done) { stream.async_connect(endpoints, std::move(done)); },
        [&stream] { stream.cancel(); }));
      auto status = exchange(ioc, stream, deadline, *u, body, headers);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return status;
    }
    asio::ssl::context tls{asio::ssl::context::tls_client};
    tls.set_default_verify_paths();
    tls.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream{ioc, tls};
    if (!SSL_set_tlsext_host_name(stream.native_handle(), u->host.c_str()))
      return make_unexpected(errc::invalid_argument, "bad TLS host name");
    stream.set_verify_callback(asio::ssl::host_name_verification(u->host));
    auto cancel = [&stream] { beast::get_lowest_layer(stream).cancel(); };
    check(run_until(
      ioc, deadline,
      [&](auto done) { beast::get_lowest_layer(stream).async_connect(endpoints, std::move(done)); },
      cancel));
    check(run_until(
      ioc, deadline,
      [&](auto done) { stream.async_handshake(asio::ssl::stream_base::client, std::move(done)); },
      cancel));
    auto status = exchange(ioc, stream, deadline, *u, body, headers);
    // The TLS close_notify is a courtesy: bounded by the same deadline, errors ignored.
    run_until(
      ioc, deadline, [&](auto done) { stream.async_shutdown(std::move(done)); }, cancel);
    return status;
  } catch (const std::exception& e) {
    return make_unexpected(errc::timeout, e.what()); // unreachable, refused or timed out
  }
}

} // namespace messenger::net
