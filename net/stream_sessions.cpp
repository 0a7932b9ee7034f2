#include "net/stream_sessions.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <memory>
#include <string>

namespace messenger::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

/// Realtime counters (GET /metrics), per transport ("cable" or "sse").
struct realtime_metrics {
  metrics::gauge& open;
  metrics::counter& opened;
  metrics::counter& frames;
  metrics::counter& slow;

  static realtime_metrics& of(bool cable) {
    auto make = [](const char* transport) {
      auto l = metrics::label("transport", transport);
      return realtime_metrics{
        metrics::gauge_of("messenger_realtime_connections", "Open /cable and SSE connections", l),
        metrics::counter_of("messenger_realtime_connections_opened_total",
                            "/cable and SSE connections accepted", l),
        metrics::counter_of("messenger_realtime_frames_sent_total",
                            "Frames written to /cable and SSE clients", l),
        metrics::counter_of("messenger_realtime_slow_consumers_reset_total",
                            "Clients reset because their queue passed the limit", l)};
    };
    static realtime_metrics cable_metrics = make("cable");
    static realtime_metrics sse_metrics = make("sse");
    return cable ? cable_metrics : sse_metrics;
  }
};

/// A /cable WebSocket: ActionCable's subprotocol negotiated, frames handed to the cable
/// handler, outgoing frames queued (bounded) and written one at a time, pings every 3 s.
class ws_session : public cable_connection, public std::enable_shared_from_this<ws_session> {
public:
  ws_session(beast::tcp_stream&& stream, const server_options& opts, std::atomic<size_t>& open)
      : ws_(std::move(stream)),
        opts_(opts),
        open_(open),
        ping_(ws_.get_executor()) {
    ++open_;
  }

  ~ws_session() override { --open_; }

  void accept(http::request<http::string_body> req) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    bool actioncable = false;
    auto protocols = req[http::field::sec_websocket_protocol];
    if (protocols.find("actioncable-v1-json") != beast::string_view::npos)
      actioncable = true;
    ws_.set_option(websocket::stream_base::decorator([actioncable](websocket::response_type& res) {
      res.set(http::field::server, "messenger");
      if (actioncable)
        res.set(http::field::sec_websocket_protocol, "actioncable-v1-json");
    }));
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return;
      self->opened_ = true;
      realtime_metrics::of(true).open.add(1);
      realtime_metrics::of(true).opened.inc();
      if (self->opts_.cable && self->opts_.cable->opened)
        self->opts_.cable->opened(self);
      self->arm_ping();
      self->read();
    });
  }

  void send(std::string frame) override { send(std::move(frame), nullptr); }

  void send(std::string head, std::shared_ptr<const std::string> body) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), head = std::move(head),
                                    body = std::move(body)]() mutable {
      if (self->closing_)
        return;
      if (self->queue_.size() >= self->opts_.cable_queue_limit) {
        log::warn("cable_queue_overflow", log::fields{}("queued", self->queue_.size()));
        realtime_metrics::of(true).slow.inc();
        return self->abort_now();
      }
      self->queue_.push_back({std::move(head), std::move(body)});
      if (self->queue_.size() == 1)
        self->write_next();
    });
  }

  void close() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->close_now(); });
  }

private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec)
        return self->finish();
      auto text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->opts_.cable && self->opts_.cable->frame)
        self->opts_.cable->frame(self, text);
      self->read();
    });
  }

  void write_next() {
    ws_.text(true);
    const auto& next = queue_.front();
    std::array<asio::const_buffer, 2> parts{
      asio::buffer(next.head), next.body ? asio::buffer(*next.body) : asio::const_buffer{}};
    ws_.async_write(parts, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec)
        return self->finish();
      realtime_metrics::of(true).frames.inc();
      self->queue_.pop_front();
      if (!self->queue_.empty())
        self->write_next();
    });
  }

  void arm_ping() {
    ping_.expires_after(opts_.cable_ping);
    ping_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closing_)
        return;
      auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
      self->send(R"({"type":"ping","message":)" + std::to_string(now) + "}");
      self->arm_ping();
    });
  }

  void close_now() {
    if (closing_)
      return;
    closing_ = true;
    ping_.cancel();
    // The front frame may be in an async_write: it stays until that completes.
    if (queue_.size() > 1)
      queue_.erase(queue_.begin() + 1, queue_.end());
    ws_.async_close(websocket::close_code::policy_error,
                    [self = shared_from_this()](beast::error_code) { self->finish(); });
  }

  /// A client that does not read: its write would never complete and a close handshake
  /// would wait behind it, so the socket is reset at once (the kernel drops its buffers too).
  void abort_now() {
    if (closing_)
      return;
    closing_ = true;
    ping_.cancel();
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
    finish();
  }

  void finish() {
    if (finished_)
      return;
    finished_ = true;
    closing_ = true;
    ping_.cancel();
    if (opened_)
      realtime_metrics::of(true).open.add(-1);
    if (opened_ && opts_.cable && opts_.cable->closed)
      opts_.cable->closed(this);
  }

  websocket::stream<beast::tcp_stream> ws_;
  const server_options& opts_;
  std::atomic<size_t>& open_;
  asio::steady_timer ping_;
  struct out_frame {
    std::string head;
    std::shared_ptr<const std::string> body; ///< shared by an event's connections; may be null
  };

  beast::flat_buffer buffer_;
  std::deque<out_frame> queue_;
  bool opened_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

/// An SSE stream: the request is handed to the SSE handler, which answers it (reject) or
/// starts the stream; frames are queued (bounded) and written in order; a comment line every
/// 15 s keeps proxies from closing an idle stream.
class sse_session : public sse_connection, public std::enable_shared_from_this<sse_session> {
public:
  sse_session(beast::tcp_stream&& stream, const server_options& opts, std::atomic<size_t>& open)
      : stream_(std::move(stream)),
        opts_(opts),
        open_(open),
        heartbeat_(stream_.get_executor()) {
    ++open_;
  }

  ~sse_session() override { --open_; }

  void begin(http_request req) {
    stream_.expires_never();
    watch();
    if (opts_.sse && opts_.sse->opened)
      opts_.sse->opened(shared_from_this(), std::move(req));
  }

  void reject(http_response res) override {
    asio::post(stream_.get_executor(), [self = shared_from_this(), res = std::move(res)] {
      if (self->started_ || self->closing_)
        return;
      std::string out = "HTTP/1.1 " + std::to_string(res.status) + " "
                        + std::string{http::obsolete_reason(static_cast<http::status>(res.status))}
                        + "\r\nContent-Type: " + res.content_type
                        + "\r\nContent-Length: " + std::to_string(res.body.size())
                        + "\r\nConnection: close\r\n\r\n" + res.body;
      self->closing_after_write_ = true;
      self->enqueue(std::move(out));
    });
  }

  void start(std::string first) override {
    asio::post(stream_.get_executor(), [self = shared_from_this(), first = std::move(first)] {
      if (self->started_ || self->closing_)
        return;
      self->started_ = true;
      realtime_metrics::of(false).open.add(1);
      realtime_metrics::of(false).opened.inc();
      self->enqueue("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: "
                    "no-cache\r\nConnection: keep-alive\r\nX-Accel-Buffering: no\r\n\r\n"
                    + first);
      self->arm_heartbeat();
    });
  }

  void send(std::string frame) override {
    asio::post(stream_.get_executor(), [self = shared_from_this(), frame = std::move(frame)] {
      if (!self->started_ || self->closing_)
        return;
      if (self->queue_.size() >= self->opts_.cable_queue_limit) {
        log::warn("sse_queue_overflow", log::fields{}("queued", self->queue_.size()));
        realtime_metrics::of(false).slow.inc();
        beast::error_code ignored; // reset: a client that does not read gets no FIN wait
        self->stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
        return self->finish();
      }
      self->enqueue(frame);
    });
  }

  void close() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->finish(); });
  }

private:
  void enqueue(std::string data) {
    queue_.push_back(std::move(data));
    if (queue_.size() == 1)
      write_next();
  }

  void write_next() {
    asio::async_write(stream_.socket(), asio::buffer(queue_.front()),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec)
                          return self->finish();
                        if (self->started_)
                          realtime_metrics::of(false).frames.inc();
                        self->queue_.pop_front();
                        if (!self->queue_.empty())
                          return self->write_next();
                        if (self->closing_after_write_)
                          self->finish();
                      });
  }

  /// A read that only ends when the client goes away (SSE clients send nothing).
  void watch() {
    stream_.socket().async_read_some(asio::buffer(sink_),
                                     [self = shared_from_this()](beast::error_code ec, size_t) {
                                       if (ec)
                                         return self->finish();
                                       self->watch();
                                     });
  }

  void arm_heartbeat() {
    heartbeat_.expires_after(opts_.sse_heartbeat);
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closing_)
        return;
      self->enqueue(": heartbeat\n\n");
      self->arm_heartbeat();
    });
  }

  void finish() {
    if (closing_)
      return;
    closing_ = true;
    heartbeat_.cancel();
    if (started_)
      realtime_metrics::of(false).open.add(-1);
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    if (opts_.sse && opts_.sse->closed)
      opts_.sse->closed(this);
  }

  beast::tcp_stream stream_;
  const server_options& opts_;
  std::atomic<size_t>& open_;
  asio::steady_timer heartbeat_;
  std::deque<std::string> queue_;
  std::array<char, 512> sink_{};
  bool started_ = false;
  bool closing_ = false;
  bool closing_after_write_ = false;
};

} // namespace

void start_cable_session(beast::tcp_stream&& stream, const server_options& opts,
                         std::atomic<size_t>& open, http::request<http::string_body> req) {
  std::make_shared<ws_session>(std::move(stream), opts, open)->accept(std::move(req));
}

void start_sse_session(beast::tcp_stream&& stream, const server_options& opts,
                       std::atomic<size_t>& open, http_request req) {
  std::make_shared<sse_session>(std::move(stream), opts, open)->begin(std::move(req));
}

} // namespace messenger::net
