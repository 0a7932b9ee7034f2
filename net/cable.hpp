#pragma once

#include "net/http_types.hpp"

#include <functional>
#include <memory>
#include <string>

namespace messenger::net {

/// One open /cable WebSocket as the realtime layer sees it. `send` may be called from any
/// thread: frames are queued on the connection's strand; a connection whose queue overflows
/// (a client that does not read) is closed.
class cable_connection {
public:
  virtual ~cable_connection() = default;
  virtual void send(std::string frame) = 0;
  /// Sends the frame `head + *body`; `body` is shared by every connection an event goes to,
  /// so a fan-out copies only the small per-subscription head.
  virtual void send(std::string head, std::shared_ptr<const std::string> body) = 0;
  virtual void close() = 0;
};

/// What the HTTP server calls for /cable connections (all on the connection's strand).
struct cable_handler {
  std::function<void(const std::shared_ptr<cable_connection>&)> opened;
  std::function<void(const std::shared_ptr<cable_connection>&, const std::string&)> frame;
  std::function<void(const cable_connection*)> closed;
};

/// One open SSE stream (`GET /api/v1/accounts/{id}/events`). Before `start` the request may
/// still be answered like any other (`reject`, e.g. 401); after it, `send` appends event
/// frames. Thread-safe like cable_connection.
class sse_connection {
public:
  virtual ~sse_connection() = default;
  virtual void reject(http_response res) = 0;
  /// Sends the 200 head (text/event-stream) and then `first` (may be empty).
  virtual void start(std::string first) = 0;
  virtual void send(std::string frame) = 0;
  virtual void close() = 0;
};

struct sse_handler {
  std::function<void(const std::shared_ptr<sse_connection>&, http_request)> opened;
  std::function<void(const sse_connection*)> closed;
};

} // namespace messenger::net
