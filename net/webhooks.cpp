#include "net/webhooks.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "domain/backoff.hpp"
#include "domain/types.hpp"
#include "net/api/context.hpp"
#include "net/api/render.hpp"
#include "net/http_client.hpp"
#include "net/render/events.hpp"
#include "persistence/queries/webhooks.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace messenger::net {

namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

/// A place events of one account go to: an account webhook (with its subscriptions and
/// optional inbox) or an API inbox's webhook_url (every conversation/message event of it).
struct target {
  std::string url;
  std::string secret;
  std::vector<std::string> subscriptions; ///< empty for inbox webhook_urls
  int64_t inbox_id = 0;                   ///< 0 = every inbox of the account
  bool inbox_url = false;
};

struct account_targets {
  clock_type::time_point fetched;
  std::vector<target> targets;
};

std::string signature(const std::string& secret, const std::string& text) {
  std::string out = "sha256="; // (append: g++ 12 -O3 reports a false -Wrestrict on +)
  out += api::hmac_sha256_hex(secret, text);
  return out;
}

std::string uuid_v4() {
  auto raw = api::secure_token() + api::secure_token();
  auto hex = api::sha256_hex(raw);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-a"
         + hex.substr(17, 3) + "-" + hex.substr(20, 12);
}

/// A sender: blocking POSTs on its own thread (detached), answering the status code
/// (0 when the endpoint was unreachable or timed out).
caf::behavior sender(caf::event_based_actor*, std::chrono::milliseconds timeout) {
  return {
    [timeout](const std::string& url, const std::string& body, const std::string& secret,
              const std::string& delivery) -> int32_t {
      std::vector<std::pair<std::string, std::string>> headers{{"X-Chatwoot-Delivery", delivery}};
      if (!secret.empty()) {
        auto ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
        headers.emplace_back("X-Chatwoot-Timestamp", ts);
        headers.emplace_back("X-Chatwoot-Signature", signature(secret, ts + "." + body));
      }
      auto status = post(url, body, headers, timeout);
      if (!status) {
        log::warn("webhook_unreachable",
                  log::fields{}("url", url)("delivery", delivery)("error", status.error().detail));
        return 0;
      }
      return static_cast<int32_t>(*status);
    },
  };
}

struct webhook_state {
  webhook_state() = default;
  webhook_options opts;
  actors::reader_actor reader;
  std::vector<caf::actor> senders;
  std::unordered_map<int64_t, account_targets> cache;
  size_t queued = 0; ///< deliveries in flight or waiting for a retry
  uint64_t delivered = 0;
  uint64_t dropped = 0;
  static inline const char* name = "webhooks";
};

using pointer = caf::stateful_actor<webhook_state>*;

/// messenger_webhook_deliveries_total{outcome}: delivered (a non-retried answer), failed
/// (given up after the last attempt, or the sender failed), dropped (queue full).
metrics::counter& deliveries(const char* outcome) {
  return metrics::counter_of("messenger_webhook_deliveries_total", "Webhook deliveries by outcome",
                             metrics::label("outcome", outcome));
}

metrics::counter& retries() {
  static auto& c = metrics::counter_of("messenger_webhook_retries_total",
                                       "Webhook attempts scheduled again after a failure");
  return c;
}

/// Sends one delivery to its sender (by URL, so one slow endpoint delays only its own
/// share); failures (unreachable, 429, 5xx) are retried with exponential backoff.
void attempt(pointer self, std::string url, std::string body, std::string secret,
             std::string delivery, uint32_t tries) {
  auto& st = self->state;
  auto& dest = st.senders[std::hash<std::string>{}(url) % st.senders.size()];
  self->request(dest, caf::infinite, url, body, secret, delivery)
    .then(
      [=](int32_t status) {
        auto& s = self->state;
        bool retry = status == 0 || status == 429 || status >= 500;
        if (!retry || tries + 1 >= s.opts.max_attempts) {
          --s.queued;
          if (retry) {
            log::warn("webhook_given_up",
                      log::fields{}("url", url)("delivery", delivery)("status", status));
            deliveries("failed").inc();
          } else {
            ++s.delivered;
            deliveries("delivered").inc();
          }
          return;
        }
        retries().inc();
        domain::backoff policy{s.opts.retry_base, s.opts.retry_cap};
        self->delayed_send(self, policy.delay(tries), actors::retry_atom_v, url, body, secret,
                           delivery, tries + 1);
      },
      [=](caf::error& err) {
        --self->state.queued;
        deliveries("failed").inc();
        log::warn("webhook_sender_failed",
                  log::fields{}("delivery", delivery)("error", self->system().render(err)));
      });
}

void fan_out(pointer self, const actors::domain_event& ev, const std::string& name) {
  auto& st = self->state;
  auto it = st.cache.find(ev.account_id);
  if (it == st.cache.end())
    return;
  std::optional<std::string> body;
  bool inbox_event = name.rfind("conversation_", 0) == 0 || name.rfind("message_", 0) == 0;
  for (const auto& t : it->second.targets) {
    bool wanted = t.inbox_url ? inbox_event && t.inbox_id == ev.inbox_id
                              : std::find(t.subscriptions.begin(), t.subscriptions.end(), name)
                                    != t.subscriptions.end()
                                  && (t.inbox_id == 0 || t.inbox_id == ev.inbox_id);
    if (!wanted)
      continue;
    if (!body && !(body = render::webhook_body(ev)))
      return;
    if (st.queued >= st.opts.queue_limit) {
      ++st.dropped;
      deliveries("dropped").inc();
      log::warn("webhook_queue_full", log::fields{}("url", t.url)("event", name));
      continue;
    }
    ++st.queued;
    attempt(self, t.url, *body, t.secret, uuid_v4(), 0);
  }
}

std::vector<target> targets_of(const persistence::result_set& rs) {
  std::vector<target> out;
  for (auto& row : persistence::queries::webhooks::read_targets(rs)) {
    target t;
    t.url = std::move(row.url);
    t.secret = std::move(row.secret);
    t.inbox_id = row.inbox_id;
    t.inbox_url = row.inbox_url;
    auto subs = json::parse(row.subscriptions_json, nullptr, false);
    if (subs.is_array())
      for (const auto& s : subs)
        if (s.is_string())
          t.subscriptions.push_back(s.get<std::string>());
    out.push_back(std::move(t));
  }
  return out;
}

caf::behavior webhooks(pointer self, actors::reader_actor reader, webhook_options opts) {
  self->state.opts = opts;
  self->state.reader = std::move(reader);
  for (unsigned i = 0; i < std::max(1u, opts.senders); ++i) {
    auto s = self->spawn<caf::detached + caf::linked>(sender, opts.timeout);
    self->state.senders.push_back(s);
  }
  return {
    [=](actors::event_atom, const actors::domain_event& ev) {
      auto name = std::string{domain::webhook_name(ev.kind)};
      if (name.empty() || ev.account_id == 0)
        return;
      auto& st = self->state;
      auto now = clock_type::now();
      auto it = st.cache.find(ev.account_id);
      if (it != st.cache.end() && now - it->second.fetched < st.opts.cache_ttl)
        return fan_out(self, ev, name);
      // `await` keeps events in order while the account's targets are (re)loaded.
      auto stmt = persistence::queries::webhooks::targets(ev.account_id);
      self->request(st.reader, api::request_timeout, actors::query_atom_v, std::move(stmt))
        .await(
          [=](persistence::result_set& rs) {
            self->state.cache[ev.account_id] = {clock_type::now(), targets_of(rs)};
            fan_out(self, ev, name);
          },
          [=](caf::error& err) {
            log::warn("webhook_targets_unavailable",
                      log::fields{}("account", ev.account_id)("error", self->system().render(err)));
          });
    },
    [=](actors::retry_atom, std::string& url, std::string& body, std::string& secret,
        std::string& delivery, uint32_t tries) {
      attempt(self, std::move(url), std::move(body), std::move(secret), std::move(delivery), tries);
    },
    [=](actors::stats_atom) {
      return std::vector<int64_t>{static_cast<int64_t>(self->state.delivered),
                                  static_cast<int64_t>(self->state.queued),
                                  static_cast<int64_t>(self->state.dropped)};
    },
  };
}

} // namespace

actors::listener_actor spawn_webhooks(caf::actor_system& sys, actors::reader_actor reader,
                                      webhook_options opts) {
  auto handle = sys.spawn(webhooks, std::move(reader), opts);
  return caf::actor_cast<actors::listener_actor>(handle);
}

} // namespace messenger::net
