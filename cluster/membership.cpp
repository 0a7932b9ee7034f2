#include "cluster/membership.hpp"

#include "actors/errors.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "persistence/queries/cluster.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <map>

namespace messenger::cluster {

namespace {

using namespace messenger::actors;
namespace queries = persistence::queries::cluster;

/// A live peer as the last member read saw it, and our connection to it.
struct peer {
  int64_t incarnation = 0;
  std::string cluster_addr;
  caf::strong_actor_ptr gateway; ///< null until connected
  bool connecting = false;
};

struct membership_state {
  membership_state() = default; // not an aggregate: CAF must not build it from `self`
  membership_options opts;
  membership_links links;
  writer_actor writer;
  node_status status;
  uint64_t generation = 0; ///< heartbeat timers of older generations are ignored
  bool leaving = false;
  bool refreshing = false;
  bool refresh_scheduled = false; ///< a quick re-read while a member is unreachable
  /// When the last renewal that succeeded was sent (actor clock: monotonic).
  caf::actor_clock::time_point renewed_at{};
  std::map<std::string, peer> peers;
  cluster_view last_view;
  static inline const char* name = "cluster_membership";
};

using pointer = membership_actor::stateful_pointer<membership_state>;

void schedule_heartbeat(pointer self) {
  self->delayed_send(self, self->state.opts.heartbeat, heartbeat_atom_v, self->state.generation);
}

// -- the view -----------------------------------------------------------------------------

cluster_view current_view(const membership_state& st) {
  cluster_view view;
  view.self_id = st.opts.node_id;
  view.self_incarnation = st.status.incarnation;
  view.joined = st.status.joined;
  if (!st.status.joined)
    return view;
  view.members.push_back({st.opts.node_id, st.status.incarnation, st.opts.cluster_addr,
                          caf::actor_cast<caf::strong_actor_ptr>(st.links.gateway)});
  for (const auto& [id, p] : st.peers)
    view.members.push_back({id, p.incarnation, p.cluster_addr, p.gateway});
  std::sort(view.members.begin(), view.members.end(),
            [](const cluster_member& a, const cluster_member& b) { return a.node_id < b.node_id; });
  return view;
}

bool same_view(const cluster_view& a, const cluster_view& b) {
  if (a.self_incarnation != b.self_incarnation || a.joined != b.joined
      || a.members.size() != b.members.size())
    return false;
  for (size_t i = 0; i < a.members.size(); ++i)
    if (a.members[i].node_id != b.members[i].node_id
        || a.members[i].incarnation != b.members[i].incarnation
        || a.members[i].gateway != b.members[i].gateway)
      return false;
  return true;
}

/// Sends the view to the registry and the gateway when it changed.
void publish_view(pointer self) {
  auto& st = self->state;
  auto view = current_view(st);
  if (same_view(view, st.last_view))
    return;
  st.last_view = view;
  log::info("cluster_view", log::fields{}("node", st.opts.node_id)("joined", view.joined)(
                              "members", view.members.size()));
  if (st.links.registry)
    self->send(st.links.registry, view_atom_v, view);
  if (st.links.gateway)
    self->send(st.links.gateway, view_atom_v, view);
}

// -- peers ----------------------------------------------------------------------------------

/// host:port of a cluster address (port 0 when malformed).
std::pair<std::string, uint16_t> split_addr(const std::string& addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos)
    return {addr, 0};
  auto port = std::strtoul(addr.c_str() + colon + 1, nullptr, 10);
  return {addr.substr(0, colon), port > 65535 ? uint16_t{0} : static_cast<uint16_t>(port)};
}

/// Connects to the peer's published gateway through the middleman actor (never the
/// blocking remote_actor: this runs on a scheduler thread).
void connect(pointer self, const std::string& node_id) {
  auto& p = self->state.peers[node_id];
  auto [host, port] = split_addr(p.cluster_addr);
  if (p.gateway || p.connecting || port == 0)
    return;
  p.connecting = true;
  auto incarnation = p.incarnation;
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, self->state.opts.connect_timeout, caf::connect_atom_v, host, port)
    .then(
      [=](caf::node_id&, caf::strong_actor_ptr& gateway, std::set<std::string>&) {
        auto it = self->state.peers.find(node_id);
        if (it == self->state.peers.end() || it->second.incarnation != incarnation)
          return;
        it->second.connecting = false;
        if (!gateway)
          return;
        self->monitor(gateway);
        it->second.gateway = gateway;
        log::info("cluster_peer_connected", log::fields{}("peer", node_id));
        publish_view(self);
      },
      [=](caf::error& err) {
        auto it = self->state.peers.find(node_id);
        if (it != self->state.peers.end() && it->second.incarnation == incarnation)
          it->second.connecting = false;
        log::warn("cluster_peer_connect_failed",
                  log::fields{}("peer", node_id)("error", self->system().render(err)));
      });
}

/// Takes the members just read: peers that left or restarted are dropped, new ones are
/// connected to.
void apply_members(pointer self, const std::vector<queries::member_row>& rows) {
  auto& st = self->state;
  std::map<std::string, peer> next;
  for (const auto& r : rows) {
    if (r.node_id == st.opts.node_id)
      continue;
    auto it = st.peers.find(r.node_id);
    if (it != st.peers.end() && it->second.incarnation == r.incarnation
        && it->second.cluster_addr == r.cluster_addr)
      next[r.node_id] = it->second;
    else
      next[r.node_id] = peer{r.incarnation, r.cluster_addr, nullptr, false};
  }
  st.peers = std::move(next);
  bool unreachable = false;
  for (auto& [id, p] : st.peers)
    if (!p.gateway) {
      unreachable = true;
      connect(self, id);
    }
  publish_view(self);
  // A member we cannot reach may have just died: PostgreSQL notices its closed sessions
  // (and frees its liveness lock) a moment after we saw its connection drop. Read again
  // soon rather than at the next heartbeat, so its entities move within a second.
  if (unreachable && !st.refresh_scheduled) {
    st.refresh_scheduled = true;
    self->delayed_send(self, std::chrono::milliseconds{200}, refresh_atom_v);
  }
}

void refresh(pointer self) {
  auto& st = self->state;
  if (!st.links.reader || st.refreshing || !st.status.joined)
    return;
  st.refreshing = true;
  self->request(st.links.reader, st.opts.heartbeat, query_atom_v, queries::live_members())
    .then(
      [=](persistence::result_set& rs) {
        self->state.refreshing = false;
        if (self->state.status.joined)
          apply_members(self, queries::read_members(rs));
      },
      [=](caf::error&) { self->state.refreshing = false; });
}

/// A peer's gateway went down (its process died or the connection broke): forget the
/// handle and read the members now rather than at the next heartbeat.
void peer_down(pointer self, const caf::down_msg& dm) {
  for (auto& [id, p] : self->state.peers)
    if (p.gateway && caf::actor_cast<caf::actor_addr>(p.gateway) == dm.source) {
      log::warn("cluster_peer_down",
                log::fields{}("peer", id)("reason", self->system().render(dm.reason)));
      p.gateway = nullptr;
    }
  publish_view(self);
  refresh(self);
}

// -- join, lease, fence ----------------------------------------------------------------------

persistence::write_command join_command(const membership_options& opts) {
  return {{queries::join({opts.node_id, opts.http_addr, opts.cluster_addr}, opts.lease.count())}};
}

void became_member(pointer self, int64_t incarnation, std::string lease_until,
                   caf::actor_clock::time_point sent_at) {
  auto& st = self->state;
  auto previous = st.status.incarnation;
  st.status.incarnation = incarnation;
  st.status.lease_until = std::move(lease_until);
  // Rejoined after a self-fence: rows the old incarnation still holds (entities nobody
  // asked for since) are given up, so they read as free rather than as held by the dead.
  if (previous != 0 && previous != incarnation)
    self
      ->request(st.writer, std::chrono::seconds{30}, write_atom_v,
                persistence::write_command{{queries::release_all(st.opts.node_id, previous)}})
      .then([](persistence::write_result&) {}, [](caf::error&) {});
  st.status.joined = true;
  st.renewed_at = sent_at;
  ++st.generation;
  log::info("cluster_joined",
            log::fields{}("node", st.opts.node_id)("incarnation", st.status.incarnation));
  schedule_heartbeat(self);
  publish_view(self);
  refresh(self);
}

/// After the join committed: take the liveness lock (peers count an incarnation without it
/// as dead), then count as joined. `done(joined)` runs either way.
template <class Done>
void apply_join(pointer self, const persistence::write_result& res,
                caf::actor_clock::time_point sent_at, Done done) {
  auto& st = self->state;
  auto joined = queries::read_join(res.results.at(0));
  if (!joined) {
    schedule_heartbeat(self); // (an upsert with RETURNING always has its row) retries
    return done(false);
  }
  if (!st.links.liveness) {
    became_member(self, joined->incarnation, joined->lease_until, sent_at);
    return done(true);
  }
  self->request(st.links.liveness, st.opts.lease, lock_atom_v, joined->incarnation)
    .then(
      [=](bool held) mutable {
        if (!held) {
          log::warn("cluster_liveness_lock_failed", log::fields{}("node", st.opts.node_id));
          schedule_heartbeat(self);
          return done(false);
        }
        became_member(self, joined->incarnation, joined->lease_until, sent_at);
        done(true);
      },
      [=](caf::error&) mutable {
        schedule_heartbeat(self);
        done(false);
      });
}

/// Joins (again) with a new incarnation; `done(joined)` afterwards.
template <class Done>
void join_now(pointer self, Done done) {
  auto& st = self->state;
  auto sent_at = self->clock().now();
  self->request(st.writer, std::chrono::seconds{30}, write_atom_v, join_command(st.opts))
    .then([=](persistence::write_result& res) mutable { apply_join(self, res, sent_at, done); },
          [=](caf::error&) mutable {
            schedule_heartbeat(self); // retries the join
            done(false);
          });
}

caf::result<node_status> join(pointer self) {
  auto promise = self->make_response_promise<node_status>();
  join_now(self, [=](bool) mutable { promise.deliver(self->state.status); });
  return promise;
}

/// This node can no longer prove it holds its lease: it stops serving its entities at once
/// (the registry stops them, the store forgets their epochs), then joins again with a new
/// incarnation. Its peers take the entities over once the old lease has expired.
void self_fence(pointer self, const char* why) {
  auto& st = self->state;
  log::warn("cluster_self_fence", log::fields{}("node", st.opts.node_id)("why", why));
  static auto& fences = metrics::counter_of("messenger_cluster_self_fences_total",
                                            "Times this node fenced itself (lease not renewed)");
  fences.inc();
  st.status.joined = false;
  ++st.generation;
  if (st.links.registry)
    self->send(st.links.registry, fence_atom_v);
  publish_view(self);
  join_now(self, [](bool) {});
}

void renewed(pointer self, uint64_t generation, caf::actor_clock::time_point sent_at,
             const persistence::write_result& res) {
  auto& s = self->state;
  if (generation != s.generation || s.leaving)
    return;
  auto lease_until = queries::read_heartbeat(res.results.at(0));
  if (!lease_until) {
    // Our lease expired (e.g. the database was unreachable or we were paused).
    return self_fence(self, "lease lost");
  }
  s.status.lease_until = *lease_until;
  s.renewed_at = sent_at;
  static auto& renewals = metrics::counter_of("messenger_cluster_lease_renewals_total",
                                              "Leases in cluster_nodes renewed");
  renewals.inc();
  if (!s.links.liveness)
    return refresh(self);
  self->request(s.links.liveness, s.opts.heartbeat, lock_atom_v, s.status.incarnation)
    .then(
      [=](bool held) {
        if (generation != self->state.generation)
          return;
        if (!held)
          return self_fence(self, "liveness lock lost");
        refresh(self);
      },
      [=](caf::error&) {});
}

void heartbeat(pointer self, uint64_t generation) {
  auto& st = self->state;
  if (generation != st.generation || st.leaving)
    return; // stale timer
  if (!st.status.joined) {
    join_now(self, [](bool) {}); // the first join failed (database down at start)
    return;
  }
  auto now = self->clock().now();
  if (st.opts.lease > st.opts.heartbeat && now - st.renewed_at > st.opts.lease - st.opts.heartbeat)
    return self_fence(self, "no renewal within the lease");
  schedule_heartbeat(self);
  auto cmd = persistence::write_command{
    {queries::heartbeat(st.opts.node_id, st.status.incarnation, st.opts.lease.count())}};
  self->request(st.writer, st.opts.heartbeat, write_atom_v, std::move(cmd))
    .then([=](persistence::write_result& res) { renewed(self, generation, now, res); },
          [=](caf::error& err) {
            log::warn("cluster_heartbeat_failed",
                      log::fields{}("error", self->system().render(err)));
          });
}

caf::result<node_status> leave(pointer self) {
  auto& st = self->state;
  st.leaving = true;
  ++st.generation;
  if (!st.status.joined)
    return st.status;
  st.status.joined = false;
  auto promise = self->make_response_promise<node_status>();
  auto cmd
    = persistence::write_command{{queries::release_all(st.opts.node_id, st.status.incarnation),
                                  queries::leave(st.opts.node_id, st.status.incarnation)}};
  self->request(st.writer, std::chrono::seconds{5}, write_atom_v, std::move(cmd))
    .then([=](persistence::write_result&) mutable { promise.deliver(self->state.status); },
          [=](caf::error&) mutable { promise.deliver(self->state.status); });
  return promise;
}

membership_actor::behavior_type membership(pointer self, writer_actor writer,
                                           membership_options opts, membership_links links) {
  self->state.opts = std::move(opts);
  self->state.links = std::move(links);
  self->state.writer = std::move(writer);
  self->state.status.node_id = self->state.opts.node_id;
  self->set_down_handler([=](caf::down_msg& dm) { peer_down(self, dm); });
  return {
    [=](join_atom) -> caf::result<node_status> { return join(self); },
    [=](heartbeat_atom, uint64_t generation) { heartbeat(self, generation); },
    [=](status_atom) -> node_status { return self->state.status; },
    [=](leave_atom) -> caf::result<node_status> { return leave(self); },
    [=](refresh_atom) {
      self->state.refresh_scheduled = false;
      refresh(self);
    },
    [=](view_atom) -> cluster_view { return current_view(self->state); },
    [=](fence_atom, uint64_t generation) {
      if (generation == self->state.generation && self->state.status.joined)
        self_fence(self, "requested");
    },
  };
}

} // namespace

actors::membership_actor spawn_membership(caf::actor_system& sys, actors::writer_actor writer,
                                          membership_options opts, membership_links links) {
  return sys.spawn(membership, std::move(writer), std::move(opts), std::move(links));
}

} // namespace messenger::cluster
