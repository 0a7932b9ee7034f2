#pragma once

#include "common/log.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace messenger::config {

struct host_port {
  std::string host;
  uint16_t port = 0;
  std::string str() const;
};

/// The validated configuration of one node (CONTRACT.md "Configuration").
/// Loaded once in main; every other component receives the parts it needs.
struct app_config {
  std::string database_url;
  host_port http_addr{"127.0.0.1", 3000};
  std::string platform_token;
  bool platform_token_generated = false;
  /// Empty means "<hostname>-<bound http port>", filled in once the port is known.
  std::string node_id;
  host_port cluster_addr{"127.0.0.1", 0};
  uint32_t conversation_message_per_minute_limit = 200;
  uint32_t assignment_limit = 5;
  uint32_t assignment_window_s = 300;
  uint32_t presence_duration_s = 20;
  uint32_t rate_limit_per_ip = 3000;
  uint32_t rate_limit_per_token = 3000;
  /// Events kept per account for SSE `Last-Event-ID` resume.
  uint32_t sse_replay_events = 1000;
  /// Frames a /cable or SSE connection may have queued before it is closed as too slow.
  uint32_t cable_queue_limit = 4096;
  /// Presence changes are pushed to an account's agents at most this often (milliseconds).
  uint32_t presence_push_ms = 1000;
  /// An idle conversation/inbox/operator actor passivates after this many seconds.
  uint32_t entity_idle_s = 600;
  /// First webhook retry after this many milliseconds (then doubling); not in the
  /// environment: tests shorten it.
  uint32_t webhook_retry_base_ms = 1000;
  /// Attempts per webhook delivery (the first and its retries); not in the environment:
  /// tests shorten it.
  uint32_t webhook_max_attempts = 6;
  /// How long one webhook attempt may take (milliseconds); not in the environment: tests
  /// shorten it.
  uint32_t webhook_timeout_ms = 5000;
  /// Webhook deliveries in flight or waiting for a retry; beyond, new ones are dropped. Not in
  /// the environment: tests shorten it.
  uint32_t webhook_queue_limit = 10000;
  /// Seconds between cluster heartbeats (lease renewals); not in the environment: tests
  /// shorten it.
  uint32_t cluster_heartbeat_s = 3;
  /// Seconds a lease lasts after a renewal (database clock); a node that could not renew
  /// for this long minus one heartbeat (its own monotonic clock) fences itself.
  uint32_t cluster_lease_s = 10;
  /// CAF middleman heartbeats between peers and the silence after which a peer connection
  /// is declared dead (milliseconds). Must be equal on every node (checked at join).
  uint32_t cluster_peer_heartbeat_ms = 1000;
  uint32_t cluster_peer_timeout_ms = 4000;
  /// How long the edge reuses authentication and policy answers (0 = never); not in the
  /// environment.
  uint32_t edge_cache_ms = 2000;
  std::vector<std::string> rate_limit_allowed_ips{"127.0.0.1", "::1"};
  /// The clock of the rate limit windows (empty: the system clock); not in the environment:
  /// tests set it.
  std::function<std::chrono::system_clock::time_point()> rate_limit_clock;
  log::level log_level = log::level::info;

  // Program switches (flags only).
  std::optional<std::string> config_file;
  bool migrate_only = false;
  bool show_help = false;
};

} // namespace messenger::config
