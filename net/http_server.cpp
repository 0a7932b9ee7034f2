#include "net/http_server.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "net/stream_sessions.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <thread>
#include <vector>

namespace messenger::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

http_request to_request(const http::request<http::string_body>& msg, const std::string& ip) {
  http_request req;
  req.method = std::string{msg.method_string()};
  req.target = std::string{msg.target()};
  auto q = req.target.find('?');
  req.path = percent_decode(req.target.substr(0, q), false);
  if (q != std::string::npos)
    req.query = parse_query(req.target.substr(q + 1));
  for (const auto& field : msg) {
    std::string name{field.name_string()};
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers[name] = std::string{field.value()};
  }
  req.body = msg.body();
  req.remote_ip = ip;
  return req;
}

namespace websocket = beast::websocket;

/// X-Request-Id of the client when it is short and printable, else a fresh one.
std::string request_id_of(const http_request& req) {
  auto given = req.header("x-request-id");
  if (!given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), [](char c) {
        return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
      }))
    return given;
  return log::new_request_id();
}

/// Counts an answered request (route template, status) and its latency.
void observe_request(const std::string& route, const std::string& method, unsigned status,
                     std::chrono::steady_clock::time_point started) {
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
    std::chrono::steady_clock::now() - started);
  auto route_label = metrics::label("route", route.empty() ? "unmatched" : route);
  auto method_label = metrics::label("method", method);
  metrics::counter_of("messenger_http_requests_total", "HTTP requests answered",
                      method_label + "," + route_label + ","
                        + metrics::label("status", std::to_string(status)))
    .inc();
  metrics::histogram_of("messenger_http_request_duration_seconds",
                        "Time from a request read to its answer handed to the connection",
                        metrics::latency_bounds(), 1e6, method_label + "," + route_label)
    .observe(static_cast<uint64_t>(elapsed.count()));
}

/// `/api/v1/accounts/{digits}/events`
bool is_events_path(const std::string& path) {
  static const std::string prefix = "/api/v1/accounts/";
  static const std::string suffix = "/events";
  if (path.size() <= prefix.size() + suffix.size() || path.rfind(prefix, 0) != 0
      || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  auto id = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  return !id.empty() && id.find_first_not_of("0123456789") == std::string::npos;
}

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket&& socket, const router& routes, const server_options& opts, throttle& limits,
          std::atomic<size_t>& open, std::atomic<size_t>& busy)
      : stream_(std::move(socket)),
        routes_(routes),
        limits_(limits),
        opts_(opts),
        open_(open),
        busy_(busy) {
    ++open_;
  }

  ~session() {
    if (answering_)
      --busy_;
    --open_;
  }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&session::read_next, shared_from_this()));
  }

private:
  void read_next() {
    parser_.emplace();
    parser_->body_limit(opts_.body_limit);
    stream_.expires_after(first_read_ ? opts_.read_timeout : opts_.idle_timeout);
    first_read_ = false;
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec)
      return read_failed(ec);
    auto msg = parser_->release();
    if (opts_.cable && websocket::is_upgrade(msg)
        && msg.target().substr(0, msg.target().find('?')) == opts_.cable_path) {
      // The connection becomes a /cable WebSocket; this HTTP session ends here.
      stream_.expires_never();
      start_cable_session(std::move(stream_), opts_, open_, std::move(msg));
      return;
    }
    if (opts_.sse && msg.method() == http::verb::get) {
      std::string target{msg.target()};
      if (is_events_path(percent_decode(target.substr(0, target.find('?')), false))) {
        auto req = to_request(msg, peer_ip());
        if (auto refused = limits_.check(req))
          return write(std::move(*refused), msg.version());
        start_sse_session(std::move(stream_), opts_, open_, std::move(req));
        return;
      }
    }
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    stream_.expires_never();
    auto req = to_request(msg, peer_ip());
    req.request_id = request_id_of(req);
    ++busy_;
    answering_ = true;
    auto respond = responder_for(req);
    if (auto refused = limits_.check(req))
      return respond(std::move(*refused));
    log::scoped_request_id scoped{req.request_id};
    try {
      routes_.dispatch(req, respond);
    } catch (const std::exception& e) {
      log::error("handler_exception", log::fields{}("path", req.path)("what", e.what()));
      respond(http_response::error(500, "Internal server error"));
    }
  }

  void read_failed(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return write(http_response::error(413, "Request body is too large"), 11);
    }
    if (ec.category() == make_error_code(http::error::bad_target).category()
        && ec != http::error::end_of_stream) {
      keep_alive_ = false;
      return write(http_response::error(400, "Bad request"), 11);
    }
    close(); // end of stream, timeout, cancelled, or a socket error
  }

  std::string peer_ip() {
    beast::error_code ignored;
    auto endpoint = stream_.socket().remote_endpoint(ignored);
    return ignored ? std::string{} : endpoint.address().to_string();
  }

  /// The answer path of one request: metrics and logs by route, X-Request-Id, then the
  /// write on the session's strand.
  responder responder_for(const http_request& req) {
    return [self = shared_from_this(), route = routes_.pattern_of(req), method = req.method,
            id = req.request_id, started = std::chrono::steady_clock::now()](http_response res) {
      observe_request(route, method, res.status, started);
      if (log::enabled(log::level::debug))
        log::debug("http_request",
                   log::fields{}("request_id", id)("method", method)(
                     "route", route.empty() ? "unmatched" : route)("status", res.status));
      if (res.status >= 500)
        log::error("request_failed", log::fields{}("request_id", id)("method", method)(
                                       "route", route.empty() ? "unmatched" : route)(
                                       "status", res.status)("error", res.body.substr(0, 200)));
      res.headers.emplace_back("X-Request-Id", id);
      asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->write(std::move(res), self->version_);
      });
    };
  }

  void write(http_response res, unsigned version) {
    auto msg = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(res.status), version);
    msg->set(http::field::server, "messenger");
    msg->set(http::field::content_type, res.content_type);
    for (auto& [name, value] : res.headers)
      msg->set(name, value);
    msg->body() = std::move(res.body);
    msg->keep_alive(keep_alive_);
    msg->prepare_payload();
    stream_.expires_after(opts_.read_timeout);
    http::async_write(
      stream_, *msg,
      [self = shared_from_this(), msg](beast::error_code ec, size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (answering_) {
      answering_ = false;
      --busy_;
    }
    if (ec || !keep_alive_)
      return close();
    read_next();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const router& routes_;
  throttle& limits_;
  const server_options& opts_;
  std::atomic<size_t>& open_;
  std::atomic<size_t>& busy_; ///< requests read but not yet answered, server-wide
  bool answering_ = false;
  bool keep_alive_ = true;
  bool first_read_ = true;
  unsigned version_ = 11;
};

} // namespace

struct http_server::impl {
  const router& routes;
  server_options opts;
  asio::io_context ioc;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  std::vector<std::thread> threads;
  std::atomic<size_t> open{0};
  std::atomic<size_t> busy{0};
  std::atomic<bool> accepting{false};
  throttle limits;

  impl(const router& r, server_options o)
      : routes(r),
        opts(std::move(o)),
        ioc(static_cast<int>(std::max(1u, opts.io_threads))),
        limits(opts.throttle) {
    // nop
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted)
          log::warn("accept_failed", log::fields{}("error", ec.message()));
        if (!accepting)
          return;
      } else {
        std::make_shared<session>(std::move(socket), routes, opts, limits, open, busy)->run();
      }
      if (accepting)
        accept();
    });
  }
};

http_server::http_server(const router& routes, server_options opts)
    : impl_(std::make_unique<impl>(routes, std::move(opts))) {
  // nop
}

http_server::~http_server() {
  stop();
}

expected<uint16_t> http_server::start() {
  auto port = listen();
  if (port)
    run();
  return port;
}

expected<uint16_t> http_server::listen() {
  auto& st = *impl_;
  beast::error_code ec;
  auto address = asio::ip::make_address(st.opts.host, ec);
  if (ec)
    return make_unexpected(errc::invalid_argument, "invalid listen host '" + st.opts.host + "'");
  tcp::endpoint endpoint{address, st.opts.port};
  st.acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    st.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    st.acceptor.bind(endpoint, ec);
  if (!ec)
    st.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_unexpected(errc::invalid_argument, "cannot listen on " + st.opts.host + ":"
                                                     + std::to_string(st.opts.port) + ": "
                                                     + ec.message());
  return st.acceptor.local_endpoint().port();
}

void http_server::run() {
  auto& st = *impl_;
  st.accepting = true;
  st.accept();
  for (unsigned i = 0; i < std::max(1u, st.opts.io_threads); ++i)
    st.threads.emplace_back([&st] { st.ioc.run(); });
}

void http_server::stop_accepting() {
  auto& st = *impl_;
  if (!st.accepting.exchange(false))
    return;
  asio::post(st.acceptor.get_executor(), [&st] {
    beast::error_code ignored;
    st.acceptor.close(ignored);
  });
}

void http_server::stop() {
  stop_accepting();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable())
      t.join();
  impl_->threads.clear();
}

size_t http_server::open_connections() const {
  return impl_->open.load();
}

size_t http_server::requests_in_flight() const {
  return impl_->busy.load();
}

} // namespace messenger::net
