#pragma once

#include "common/expected.hpp"
#include "config/app_config.hpp"

#include <memory>
#include <string>

namespace messenger::app {

/// One messenger node: actor system, persistence actors, cluster membership and the
/// HTTP listener, started and stopped in order (Seastar-style start/stop discipline).
/// Migrations are not run here; call persistence::migrate first (main does).
class node {
public:
  explicit node(config::app_config cfg);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Starts everything and binds the HTTP listener. Returns the bound port.
  expected<uint16_t> start();

  /// Drains: stops accepting, waits for in-flight requests, leaves the cluster, commits
  /// queued writes, stops the actors. Idempotent.
  void shutdown();

  const std::string& node_id() const;
  uint16_t http_port() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace messenger::app
