#pragma once

#include "common/expected.hpp"
#include "net/cable.hpp"
#include "net/router.hpp"
#include "net/throttle.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace messenger::net {

struct server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  /// Request bodies above this get 413.
  size_t body_limit = 1024 * 1024;
  /// Time allowed to receive a whole request (headers and body); slow clients are dropped.
  std::chrono::seconds read_timeout{30};
  /// How long an idle keep-alive connection stays open.
  std::chrono::seconds idle_timeout{75};
  unsigned io_threads = 1;
  /// Request rate limits (429 beyond); zero limits switch them off.
  throttle_options throttle;
  /// WebSocket upgrades of `cable_path` go to this handler (none: 404 like any path).
  std::shared_ptr<cable_handler> cable;
  std::string cable_path = "/cable";
  /// Frames a /cable connection may have queued before it is closed as too slow.
  size_t cable_queue_limit = 4096;
  /// ActionCable's ping interval.
  std::chrono::seconds cable_ping{3};
  /// `GET /api/v1/accounts/{id}/events` streams go to this handler.
  std::shared_ptr<sse_handler> sse;
  /// SSE heartbeat comment interval.
  std::chrono::seconds sse_heartbeat{15};
};

/// HTTP/1.1 server on Boost.Beast: keep-alive, requests on one connection answered in
/// order, body limit, read timeouts. Handlers complete through a responder that may be
/// called from any thread; the response is written on the connection's strand.
/// Beast is included only in http_server.cpp.
class http_server {
public:
  http_server(const router& routes, server_options opts);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and listens (connections queue in the backlog). Returns the bound port.
  expected<uint16_t> listen();

  /// Starts accepting and the I/O threads. Register every route before: the router is
  /// read by the I/O threads without a lock.
  void run();

  /// listen() + run().
  expected<uint16_t> start();

  /// Stops accepting new connections; open ones finish their current request.
  void stop_accepting();

  /// Stops everything and joins the I/O threads.
  void stop();

  /// Number of connections currently open.
  size_t open_connections() const;

  /// Requests read but not answered yet (drain waits for zero).
  size_t requests_in_flight() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace messenger::net
