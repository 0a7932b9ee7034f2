#pragma once

#include "actors/interfaces.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace messenger::net {

struct webhook_options {
  std::chrono::milliseconds retry_base{1000}; ///< first retry after this, then doubling
  std::chrono::milliseconds retry_cap{60000};
  uint32_t max_attempts = 6;
  std::chrono::milliseconds timeout{5000}; ///< per delivery (Chatwoot's WEBHOOK_TIMEOUT)
  size_t queue_limit = 10000;              ///< deliveries in flight or waiting; beyond: dropped
  std::chrono::seconds cache_ttl{5};       ///< how long an account's webhook list is reused
  unsigned senders = 4;                    ///< sender threads (deliveries spread by URL)
};

/// The webhook actor: a dispatcher listener that turns events into Chatwoot webhook
/// deliveries (account webhooks by subscription, API inboxes' webhook_url), off the write
/// path. Each delivery carries one X-Chatwoot-Delivery id for all of its attempts, is signed
/// when the webhook has a secret (X-Chatwoot-Timestamp, X-Chatwoot-Signature) and is retried
/// with exponential backoff on network errors, 429 and 5xx.
actors::listener_actor spawn_webhooks(caf::actor_system& sys, actors::reader_actor reader,
                                      webhook_options opts);

} // namespace messenger::net
