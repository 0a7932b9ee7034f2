#include "cluster/membership.hpp"

#include "actors/errors.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "persistence/queries/cluster.hpp"

#include <caf/all.hpp>

namespace messenger::cluster {

namespace {

using namespace messenger::actors;
namespace queries = persistence::queries::cluster;

struct membership_state {
  membership_state() = default; // not an aggregate: CAF must not build it from `self`
  membership_options opts;
  writer_actor writer;
  node_status status;
  uint64_t generation = 0; ///< heartbeat timers of older generations are ignored
  bool leaving = false;
  static inline const char* name = "cluster_membership";
};

using pointer = membership_actor::stateful_pointer<membership_state>;

void schedule_heartbeat(pointer self) {
  self->delayed_send(self, self->state.opts.heartbeat, heartbeat_atom_v, self->state.generation);
}

persistence::write_command join_command(const membership_options& opts) {
  return {{queries::join({opts.node_id, opts.http_addr, opts.cluster_addr}, opts.lease.count())}};
}

void apply_join(pointer self, const persistence::write_result& res) {
  auto& st = self->state;
  auto joined = queries::read_join(res.results.at(0));
  if (!joined) {
    schedule_heartbeat(self); // (an upsert with RETURNING always has its row) retries
    return;
  }
  st.status.incarnation = joined->incarnation;
  st.status.lease_until = joined->lease_until;
  st.status.joined = true;
  ++st.generation;
  log::info("cluster_joined",
            log::fields{}("node", st.opts.node_id)("incarnation", st.status.incarnation));
  schedule_heartbeat(self);
}

caf::result<node_status> join(pointer self) {
  auto promise = self->make_response_promise<node_status>();
  self
    ->request(self->state.writer, std::chrono::seconds{30}, write_atom_v,
              join_command(self->state.opts))
    .then(
      [=](persistence::write_result& res) mutable {
        apply_join(self, res);
        promise.deliver(self->state.status);
      },
      [=](caf::error& err) mutable {
        schedule_heartbeat(self); // retries the join
        promise.deliver(err);
      });
  return promise;
}

/// Joins again after a failed first join or a lost lease (no answer to anyone).
void rejoin(pointer self) {
  auto& st = self->state;
  self->request(st.writer, std::chrono::seconds{30}, write_atom_v, join_command(st.opts))
    .then([=](persistence::write_result& joined) { apply_join(self, joined); },
          [=](caf::error&) { schedule_heartbeat(self); });
}

void renewed(pointer self, uint64_t generation, const persistence::write_result& res) {
  auto& s = self->state;
  if (generation != s.generation || s.leaving)
    return;
  auto lease_until = queries::read_heartbeat(res.results.at(0));
  if (!lease_until) {
    // Our lease expired (e.g. the database was unreachable): join again with a
    // new incarnation, so nobody mistakes us for the old one.
    log::warn("cluster_lease_lost", log::fields{}("node", s.opts.node_id));
    s.status.joined = false;
    rejoin(self);
    return;
  }
  s.status.lease_until = *lease_until;
  static auto& renewals = metrics::counter_of("messenger_cluster_lease_renewals_total",
                                              "Leases in cluster_nodes renewed");
  renewals.inc();
  schedule_heartbeat(self);
}

void heartbeat(pointer self, uint64_t generation) {
  auto& st = self->state;
  if (generation != st.generation || st.leaving)
    return; // stale timer
  if (!st.status.joined) {
    rejoin(self); // the first join failed (database down at start): keep trying
    return;
  }
  auto cmd = persistence::write_command{
    {queries::heartbeat(st.opts.node_id, st.status.incarnation, st.opts.lease.count())}};
  self->request(st.writer, st.opts.heartbeat, write_atom_v, std::move(cmd))
    .then([=](persistence::write_result& res) { renewed(self, generation, res); },
          [=](caf::error& err) {
            log::warn("cluster_heartbeat_failed",
                      log::fields{}("error", self->system().render(err)));
            if (generation == self->state.generation)
              schedule_heartbeat(self);
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
  auto cmd = persistence::write_command{{queries::leave(st.opts.node_id, st.status.incarnation)}};
  self->request(st.writer, std::chrono::seconds{5}, write_atom_v, std::move(cmd))
    .then([=](persistence::write_result&) mutable { promise.deliver(self->state.status); },
          [=](caf::error&) mutable { promise.deliver(self->state.status); });
  return promise;
}

membership_actor::behavior_type membership(pointer self, writer_actor writer,
                                           membership_options opts) {
  self->state.opts = std::move(opts);
  self->state.writer = std::move(writer);
  self->state.status.node_id = self->state.opts.node_id;
  return {
    [=](join_atom) -> caf::result<node_status> { return join(self); },
    [=](heartbeat_atom, uint64_t generation) { heartbeat(self, generation); },
    [=](status_atom) -> node_status { return self->state.status; },
    [=](leave_atom) -> caf::result<node_status> { return leave(self); },
  };
}

} // namespace

actors::membership_actor spawn_membership(caf::actor_system& sys, actors::writer_actor writer,
                                          membership_options opts) {
  return sys.spawn(membership, std::move(writer), std::move(opts));
}

} // namespace messenger::cluster
