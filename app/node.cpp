#include "app/node.hpp"

#include "actors/activity_listener.hpp"
#include "actors/dispatcher.hpp"
#include "actors/persistence.hpp"
#include "actors/pg_store.hpp"
#include "actors/registry.hpp"
#include "actors/snooze_rearm.hpp"
#include "actors/system_config.hpp"
#include "cluster/membership.hpp"
#include "common/log.hpp"
#include "net/api/account.hpp"
#include "net/api/contacts.hpp"
#include "net/api/conversation_list.hpp"
#include "net/api/conversations.hpp"
#include "net/api/inboxes.hpp"
#include "net/api/platform.hpp"
#include "net/api/public_api.hpp"
#include "net/health.hpp"
#include "net/http_server.hpp"
#include "net/ops/ops.hpp"
#include "net/realtime.hpp"
#include "net/webhooks.hpp"

#include <caf/all.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace messenger::app {

namespace {

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0)
    return "messenger";
  return buf;
}

} // namespace

struct node::impl {
  config::app_config cfg;
  // The router and the server outlive the actor system: late actor replies may still
  // post into the (stopped) io_context while the system shuts down.
  net::router routes;
  std::unique_ptr<net::http_server> server;
  actors::system_config actor_cfg;
  std::unique_ptr<caf::actor_system> sys;
  actors::writer_actor writer;
  actors::reader_actor reader;
  actors::membership_actor membership;
  actors::store_actor store;
  actors::dispatcher_actor dispatcher;
  actors::registry_actor registry;
  actors::listener_actor activity;
  actors::listener_actor webhooks;
  actors::listener_actor cable;
  actors::listener_actor event_metrics;
  std::shared_ptr<net::cable_hub> cable_hub;
  /// Found true by /readyz (a node may start on a database with pending migrations).
  std::shared_ptr<std::atomic<bool>> migrations_applied
    = std::make_shared<std::atomic<bool>>(false);
  uint16_t port = 0;
  bool stopped = false;
};

node::node(config::app_config cfg) : impl_(std::make_unique<impl>()) {
  impl_->cfg = std::move(cfg);
  // Cooperative workers ~ cores; blocking SQL runs on detached actors.
  impl_->actor_cfg.set("scheduler.max-threads",
                       static_cast<size_t>(std::max(2u, std::thread::hardware_concurrency())));
}

node::~node() {
  shutdown();
}

const std::string& node::node_id() const {
  return impl_->cfg.node_id;
}

uint16_t node::http_port() const {
  return impl_->port;
}

expected<uint16_t> node::start() {
  auto& st = *impl_;
  st.sys = std::make_unique<caf::actor_system>(st.actor_cfg);
  actors::persistence_options popts;
  popts.database_url = st.cfg.database_url;
  st.writer = actors::spawn_writer(*st.sys, popts);
  st.reader = actors::spawn_reader(*st.sys, popts);
  st.store = actors::spawn_pg_store(*st.sys, st.writer, st.reader);
  st.dispatcher = actors::spawn_dispatcher(*st.sys);
  actors::entity_context ctx;
  ctx.store = st.store;
  ctx.dispatcher = st.dispatcher;
  ctx.options.message_per_minute_limit = st.cfg.conversation_message_per_minute_limit;
  ctx.options.assignment_limit = st.cfg.assignment_limit;
  ctx.options.assignment_window = std::chrono::seconds{st.cfg.assignment_window_s};
  ctx.options.presence_duration = std::chrono::seconds{st.cfg.presence_duration_s};
  ctx.options.idle_after = std::chrono::seconds{st.cfg.entity_idle_s};
  ctx.clock = actors::time_base{
    std::chrono::time_point_cast<domain::duration>(std::chrono::system_clock::now()),
    st.sys->clock().now()};
  st.registry = actors::spawn_registry(*st.sys, ctx);
  st.activity = actors::spawn_activity_listener(*st.sys, st.registry);
  caf::anon_send(st.dispatcher, actors::subscribe_atom_v, st.activity);
  net::webhook_options wopts;
  wopts.retry_base = std::chrono::milliseconds{st.cfg.webhook_retry_base_ms};
  wopts.max_attempts = st.cfg.webhook_max_attempts;
  wopts.timeout = std::chrono::milliseconds{st.cfg.webhook_timeout_ms};
  wopts.queue_limit = st.cfg.webhook_queue_limit;
  st.webhooks = net::spawn_webhooks(*st.sys, st.reader, wopts);
  caf::anon_send(st.dispatcher, actors::subscribe_atom_v, st.webhooks);
  st.event_metrics = net::ops::spawn_event_metrics(*st.sys);
  caf::anon_send(st.dispatcher, actors::subscribe_atom_v, st.event_metrics);

  net::api::context api{
    st.sys.get(),
    st.reader,
    st.writer,
    st.registry,
    st.cfg.platform_token,
    st.dispatcher,
    net::api::make_edge_caches(std::chrono::milliseconds{st.cfg.edge_cache_ms})};
  st.cable_hub = std::make_shared<net::cable_hub>();
  st.cable_hub->set_replay_capacity(st.cfg.sse_replay_events);
  st.cable = net::spawn_cable_listener(api, st.cable_hub,
                                       std::chrono::milliseconds{st.cfg.presence_push_ms});
  caf::anon_send(st.dispatcher, actors::subscribe_atom_v, st.cable);

  net::server_options sopts;
  sopts.host = st.cfg.http_addr.host;
  sopts.port = st.cfg.http_addr.port;
  sopts.throttle = {st.cfg.rate_limit_per_ip, st.cfg.rate_limit_per_token,
                    st.cfg.rate_limit_allowed_ips, st.cfg.rate_limit_clock};
  sopts.cable = net::make_cable_handler(api, st.cable_hub);
  sopts.cable_queue_limit = st.cfg.cable_queue_limit;
  sopts.sse = net::make_sse_handler(api, st.cable_hub);
  st.server = std::make_unique<net::http_server>(st.routes, sopts);
  auto port = st.server->listen();
  if (!port)
    return port;
  st.port = *port;
  if (st.cfg.node_id.empty())
    st.cfg.node_id = hostname() + "-" + std::to_string(st.port);

  cluster::membership_options mopts;
  mopts.node_id = st.cfg.node_id;
  mopts.http_addr = config::host_port{st.cfg.http_addr.host, st.port}.str();
  mopts.cluster_addr = st.cfg.cluster_addr.str();
  mopts.heartbeat = std::chrono::seconds{st.cfg.cluster_heartbeat_s};
  st.membership = cluster::spawn_membership(*st.sys, st.writer, mopts);
  net::add_health_routes(st.routes,
                         {st.sys.get(), st.reader, st.membership, st.migrations_applied});

  net::api::add_platform_routes(st.routes, api);
  net::api::add_profile_routes(st.routes, api);
  net::api::add_conversation_list_routes(st.routes, api);
  net::api::add_conversation_routes(st.routes, api);
  net::api::add_message_routes(st.routes, api);
  net::api::add_inbox_routes(st.routes, api);
  net::api::add_contact_routes(st.routes, api);
  net::api::add_account_routes(st.routes, api);
  net::api::add_public_routes(st.routes, api);
  net::ops::add_ops_routes(st.routes, {st.sys.get(), st.reader, st.writer, st.registry,
                                       st.membership, st.cfg.platform_token, st.cfg.node_id,
                                       mopts.http_addr, mopts.cluster_addr});
  st.server->run(); // every route is registered: start serving

  caf::scoped_actor self{*st.sys};
  self->request(st.membership, std::chrono::seconds{30}, actors::join_atom_v)
    .receive([](actors::node_status&) {},
             [&](caf::error& err) {
               log::warn("cluster_join_failed",
                         log::fields{}("error", st.sys->render(err))("retry", "heartbeat"));
             });
  // Exact timers survive restarts: every snoozed conversation re-arms its timer.
  actors::rearm_snoozed(*st.sys, st.store, st.registry);
  return st.port;
}

void node::shutdown() {
  auto& st = *impl_;
  if (st.stopped || !st.sys)
    return;
  st.stopped = true;
  log::info("draining", log::fields{}("node", st.cfg.node_id));
  st.server->stop_accepting();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (st.server->requests_in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  {
    caf::scoped_actor self{*st.sys};
    self->request(st.membership, std::chrono::seconds{5}, actors::leave_atom_v)
      .receive([](actors::node_status&) {}, [](caf::error&) {});
    // Entities stop before the writer drains: everything they sent is committed (or
    // answered with an error) before the writer refuses new work.
    self->send_exit(st.registry, caf::exit_reason::user_shutdown);
    self->send_exit(st.activity, caf::exit_reason::user_shutdown);
    self->send_exit(st.webhooks, caf::exit_reason::user_shutdown);
    self->send_exit(st.cable, caf::exit_reason::user_shutdown);
    self->send_exit(st.event_metrics, caf::exit_reason::user_shutdown);
    self->send_exit(st.dispatcher, caf::exit_reason::user_shutdown);
    self->request(st.writer, std::chrono::seconds{15}, actors::drain_atom_v)
      .receive(
        [](actors::writer_stats& stats) {
          log::info("writer_drained", log::fields{}("committed", stats.commands_committed)(
                                        "failed", stats.commands_failed));
        },
        [](caf::error&) {});
    self->send_exit(st.store, caf::exit_reason::user_shutdown);
    self->send_exit(st.membership, caf::exit_reason::user_shutdown);
    self->send_exit(st.reader, caf::exit_reason::user_shutdown);
    self->send_exit(st.writer, caf::exit_reason::user_shutdown);
  }
  // The I/O threads go first: a thread that spawned an actor (the request bridges) keeps a
  // reference to CAF's logger in a thread-local, and ~actor_system() waits for the logger.
  st.server->stop();
  st.sys.reset(); // waits for every actor
  log::info("stopped", log::fields{}("node", st.cfg.node_id));
}

} // namespace messenger::app
