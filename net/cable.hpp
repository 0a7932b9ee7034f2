#pragma once

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
  virtual void close() = 0;
};

/// What the HTTP server calls for /cable connections (all on the connection's strand).
struct cable_handler {
  std::function<void(const std::shared_ptr<cable_connection>&)> opened;
  std::function<void(const std::shared_ptr<cable_connection>&, const std::string&)> frame;
  std::function<void(const cable_connection*)> closed;
};

} // namespace messenger::net
