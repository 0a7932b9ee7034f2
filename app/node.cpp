#include "app/node.hpp"

#include "actors/activity_listener.hpp"
#include "actors/dispatcher.hpp"
#include "actors/persistence.hpp"
#include "actors/pg_store.hpp"
#include "actors/registry.hpp"
#include "actors/snooze_rearm.hpp"
#include "actors/system_config.hpp"
#include "cluster/gateway.hpp"
#include "cluster/liveness.hpp"
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
#include "persistence/queries/cluster.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

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
  /// Membership's own writer (connection): a lease renewal never waits behind the entity
  /// writes queued at `writer`, so a node under write load does not fence itself.
  actors::writer_actor cluster_writer;
  actors::reader_actor reader;
  actors::membership_actor membership;
  actors::gateway_actor gateway;
  actors::liveness_actor liveness;
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

  /// Persistence, dispatcher, registry, gateway and the listeners.
  void spawn_actors();
  /// Stores this node's cluster timings, or finds the other nodes' (which must match).
  expected<void> agree_cluster_settings();
  /// Publishes the gateway on the cluster address: the actual "host:port".
  expected<std::string> publish_gateway();
  net::api::context api_context();
  /// The realtime hub and listener, then the HTTP listener (not serving yet).
  expected<uint16_t> listen(const net::api::context& api);
  void add_routes(const net::api::context& api, const cluster::membership_options& m);
};

node::node(config::app_config cfg) : impl_(std::make_unique<impl>()) {
  impl_->cfg = std::move(cfg);
  // Cooperative workers ~ cores; blocking SQL runs on detached actors.
  impl_->actor_cfg.set("scheduler.max-threads",
                       static_cast<size_t>(std::max(2u, std::thread::hardware_concurrency())));
  // Peers talk BASP through the middleman. Failure detection is off by default in CAF
  // 0.17: heartbeats and a connection timeout (equal on every node, see
  // agree_cluster_settings) make a hung or cut-off peer's connection fail.
  impl_->actor_cfg.load<caf::io::middleman>();
  impl_->actor_cfg.set("middleman.app-identifiers", std::vector<std::string>{"messenger"});
  impl_->actor_cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds{
                                                         impl_->cfg.cluster_peer_heartbeat_ms}});
  impl_->actor_cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::milliseconds{
                                                         impl_->cfg.cluster_peer_timeout_ms}});
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

void node::impl::spawn_actors() {
  actors::persistence_options popts;
  popts.database_url = cfg.database_url;
  writer = actors::spawn_writer(*sys, popts);
  cluster_writer = actors::spawn_writer(*sys, popts);
  reader = actors::spawn_reader(*sys, popts);
  store = actors::spawn_pg_store(*sys, writer, reader);
  dispatcher = actors::spawn_dispatcher(*sys);
  actors::entity_context ctx;
  ctx.store = store;
  ctx.dispatcher = dispatcher;
  ctx.options.message_per_minute_limit = cfg.conversation_message_per_minute_limit;
  ctx.options.assignment_limit = cfg.assignment_limit;
  ctx.options.assignment_window = std::chrono::seconds{cfg.assignment_window_s};
  ctx.options.presence_duration = std::chrono::seconds{cfg.presence_duration_s};
  ctx.options.idle_after = std::chrono::seconds{cfg.entity_idle_s};
  ctx.options.owned_entities = true;
  ctx.clock = actors::time_base{
    std::chrono::time_point_cast<domain::duration>(std::chrono::system_clock::now()),
    sys->clock().now()};
  registry = actors::spawn_registry(*sys, ctx);
  gateway = cluster::spawn_gateway(*sys, registry);
  caf::anon_send(dispatcher, actors::subscribe_atom_v,
                 caf::actor_cast<actors::listener_actor>(gateway));
  activity = actors::spawn_activity_listener(*sys, registry);
  caf::anon_send(dispatcher, actors::subscribe_atom_v, activity);
  net::webhook_options wopts;
  wopts.retry_base = std::chrono::milliseconds{cfg.webhook_retry_base_ms};
  wopts.max_attempts = cfg.webhook_max_attempts;
  wopts.timeout = std::chrono::milliseconds{cfg.webhook_timeout_ms};
  wopts.queue_limit = cfg.webhook_queue_limit;
  webhooks = net::spawn_webhooks(*sys, reader, wopts);
  caf::anon_send(dispatcher, actors::subscribe_atom_v, webhooks);
  event_metrics = net::ops::spawn_event_metrics(*sys);
  caf::anon_send(dispatcher, actors::subscribe_atom_v, event_metrics);
}

net::api::context node::impl::api_context() {
  return {sys.get(),
          reader,
          writer,
          registry,
          cfg.platform_token,
          dispatcher,
          net::api::make_edge_caches(std::chrono::milliseconds{cfg.edge_cache_ms})};
}

expected<uint16_t> node::impl::listen(const net::api::context& api) {
  cable_hub = std::make_shared<net::cable_hub>();
  cable_hub->set_replay_capacity(cfg.sse_replay_events);
  cable
    = net::spawn_cable_listener(api, cable_hub, std::chrono::milliseconds{cfg.presence_push_ms});
  // The realtime listener takes its events from the gateway, not the dispatcher: every
  // event reaches it numbered by its account's sequencer, local or not (SSE ids equal on
  // every node).
  caf::anon_send(gateway, actors::subscribe_atom_v, cable);
  net::server_options sopts;
  sopts.host = cfg.http_addr.host;
  sopts.port = cfg.http_addr.port;
  sopts.throttle = {cfg.rate_limit_per_ip, cfg.rate_limit_per_token, cfg.rate_limit_allowed_ips,
                    cfg.rate_limit_clock};
  sopts.cable = net::make_cable_handler(api, cable_hub);
  sopts.cable_queue_limit = cfg.cable_queue_limit;
  sopts.sse = net::make_sse_handler(api, cable_hub);
  server = std::make_unique<net::http_server>(routes, sopts);
  return server->listen();
}

void node::impl::add_routes(const net::api::context& api, const cluster::membership_options& m) {
  net::add_health_routes(routes, {sys.get(), reader, membership, migrations_applied});
  net::api::add_platform_routes(routes, api);
  net::api::add_profile_routes(routes, api);
  net::api::add_conversation_list_routes(routes, api);
  net::api::add_conversation_routes(routes, api);
  net::api::add_message_routes(routes, api);
  net::api::add_inbox_routes(routes, api);
  net::api::add_contact_routes(routes, api);
  net::api::add_account_routes(routes, api);
  net::api::add_public_routes(routes, api);
  net::ops::add_ops_routes(routes, {sys.get(), reader, writer, registry, membership,
                                    cfg.platform_token, cfg.node_id, m.http_addr, m.cluster_addr});
}

expected<void> node::impl::agree_cluster_settings() {
  namespace cq = persistence::queries::cluster;
  cq::timing_settings mine{cfg.cluster_lease_s, cfg.cluster_heartbeat_s,
                           cfg.cluster_peer_heartbeat_ms, cfg.cluster_peer_timeout_ms};
  caf::scoped_actor self{*sys};
  expected<void> out;
  self
    ->request(writer, std::chrono::seconds{30}, actors::write_atom_v,
              persistence::write_command{{cq::agree_settings(cfg.node_id, mine)}})
    .receive(
      [&](persistence::write_result& res) {
        auto stored = cq::read_settings(res.results.at(0));
        if (stored && !(*stored == mine))
          out = make_unexpected(
            errc::invalid_argument,
            "cluster timings differ from the live nodes' (lease " + std::to_string(stored->lease_s)
              + " s, heartbeat " + std::to_string(stored->heartbeat_s) + " s, peer heartbeat "
              + std::to_string(stored->peer_heartbeat_ms) + " ms, peer timeout "
              + std::to_string(stored->peer_timeout_ms) + " ms): every node needs the same");
      },
      [&](caf::error& err) {
        // No database yet: the node starts (readyz says 503) and joins once it is back; the
        // check needs the database.
        log::warn("cluster_settings_unchecked", log::fields{}("error", sys->render(err)));
      });
  return out;
}

expected<std::string> node::impl::publish_gateway() {
  auto published
    = sys->middleman().publish(gateway, cfg.cluster_addr.port, cfg.cluster_addr.host.c_str(), true);
  if (!published)
    return make_unexpected(errc::invalid_argument, "cannot listen on the cluster address "
                                                     + cfg.cluster_addr.str() + ": "
                                                     + sys->render(published.error()));
  return config::host_port{cfg.cluster_addr.host, *published}.str();
}

expected<uint16_t> node::start() {
  auto& st = *impl_;
  st.sys = std::make_unique<caf::actor_system>(st.actor_cfg);
  st.spawn_actors();
  auto api = st.api_context();
  auto port = st.listen(api); // bound, not serving yet
  if (!port)
    return port;
  st.port = *port;
  if (st.cfg.node_id.empty())
    st.cfg.node_id = hostname() + "-" + std::to_string(st.port);
  if (auto agreed = st.agree_cluster_settings(); !agreed)
    return tl::unexpected<error_info>{agreed.error()};
  auto cluster_addr = st.publish_gateway();
  if (!cluster_addr)
    return tl::unexpected<error_info>{cluster_addr.error()};
  cluster::membership_options mopts;
  mopts.node_id = st.cfg.node_id;
  mopts.http_addr = config::host_port{st.cfg.http_addr.host, st.port}.str();
  mopts.cluster_addr = *cluster_addr;
  mopts.heartbeat = std::chrono::seconds{st.cfg.cluster_heartbeat_s};
  mopts.lease = std::chrono::seconds{st.cfg.cluster_lease_s};
  mopts.connect_timeout = std::chrono::milliseconds{st.cfg.cluster_peer_timeout_ms};
  st.liveness = cluster::spawn_liveness(*st.sys, st.cfg.database_url);
  st.membership = cluster::spawn_membership(*st.sys, st.cluster_writer, mopts,
                                            {st.reader, st.liveness, st.registry, st.gateway});
  st.add_routes(api, mopts);
  st.server->run(); // every route is registered: start serving
  caf::scoped_actor self{*st.sys};
  self->request(st.membership, std::chrono::seconds{30}, actors::join_atom_v)
    .receive([](actors::node_status&) {},
             [&](caf::error& err) {
               log::warn("cluster_join_failed",
                         log::fields{}("error", st.sys->render(err))("retry", "heartbeat"));
             });
  // Exact timers survive restarts: every snoozed conversation re-arms its timer (on the
  // node that owns it).
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
    // Entities hand over first: each finishes its writes in flight (an inbox saves its ring
    // and rate window) and stops. Then the node leaves: its entity_owners rows are released
    // and its row marked 'left' in one transaction, so peers take its entities over at
    // once. The writer drains before it refuses work.
    self->request(st.registry, std::chrono::seconds{10}, actors::drain_atom_v)
      .receive(
        [](actors::entity_counts& n) {
          log::info("entities_handed_over", log::fields{}("conversations", n.conversations)(
                                              "inboxes", n.inboxes)("operators", n.operators));
        },
        [&](caf::error& err) {
          log::warn("entities_not_handed_over", log::fields{}("error", st.sys->render(err)));
        });
    self->send_exit(st.registry, caf::exit_reason::user_shutdown);
    self->request(st.membership, std::chrono::seconds{5}, actors::leave_atom_v)
      .receive([](actors::node_status&) {}, [](caf::error&) {});
    self->send_exit(st.gateway, caf::exit_reason::user_shutdown);
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
    self->send_exit(st.liveness, caf::exit_reason::user_shutdown);
    // A detached actor's thread lives until its last handle is gone, and
    // ~actor_system() waits for that thread.
    st.liveness = nullptr;
    self->send_exit(st.reader, caf::exit_reason::user_shutdown);
    self->send_exit(st.writer, caf::exit_reason::user_shutdown);
    self->send_exit(st.cluster_writer, caf::exit_reason::user_shutdown);
  }
  // The I/O threads go first: a thread that spawned an actor (the request bridges) keeps a
  // reference to CAF's logger in a thread-local, and ~actor_system() waits for the logger.
  st.server->stop();
  st.sys.reset(); // waits for every actor
  log::info("stopped", log::fields{}("node", st.cfg.node_id));
}

} // namespace messenger::app
