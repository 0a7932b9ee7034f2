#include "cluster/membership.hpp"

#include "actors/errors.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"

#include <caf/all.hpp>

namespace messenger::cluster {

namespace {

using namespace messenger::actors;
using persistence::make_statement;

constexpr const char* join_sql = R"sql(
INSERT INTO cluster_nodes (node_id, incarnation, http_addr, cluster_addr, status, started_at,
                           lease_until, heartbeat_at)
VALUES ($1, nextval('cluster_incarnation_seq'), $2, $3, 'up', now(),
        now() + make_interval(secs => $4::int), now())
ON CONFLICT (node_id) DO UPDATE
  SET incarnation = excluded.incarnation, http_addr = excluded.http_addr,
      cluster_addr = excluded.cluster_addr, status = 'up', started_at = excluded.started_at,
      lease_until = excluded.lease_until, heartbeat_at = excluded.heartbeat_at
RETURNING incarnation, lease_until)sql";

constexpr const char* heartbeat_sql = R"sql(
UPDATE cluster_nodes SET lease_until = now() + make_interval(secs => $3::int), heartbeat_at = now()
 WHERE node_id = $1 AND incarnation = $2 AND status = 'up' AND lease_until > now()
RETURNING lease_until)sql";

constexpr const char* leave_sql = R"sql(
UPDATE cluster_nodes SET status = 'left', lease_until = now()
 WHERE node_id = $1 AND incarnation = $2)sql";

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
  return {{make_statement(join_sql, {opts.node_id, opts.http_addr, opts.cluster_addr,
                                     std::to_string(opts.lease.count())})}};
}

void apply_join(pointer self, const persistence::write_result& res) {
  auto& st = self->state;
  const auto& rows = res.results.at(0);
  st.status.incarnation = std::stoll(rows.field(0, "incarnation").text);
  st.status.lease_until = rows.field(0, "lease_until").text;
  st.status.joined = true;
  ++st.generation;
  log::info("cluster_joined",
            log::fields{}("node", st.opts.node_id)("incarnation", st.status.incarnation));
  schedule_heartbeat(self);
}

membership_actor::behavior_type membership(pointer self, writer_actor writer,
                                           membership_options opts) {
  self->state.opts = std::move(opts);
  self->state.writer = std::move(writer);
  self->state.status.node_id = self->state.opts.node_id;
  return {
    [=](join_atom) -> caf::result<node_status> {
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
    },
    [=](heartbeat_atom, uint64_t generation) {
      auto& st = self->state;
      if (generation != st.generation || st.leaving)
        return; // stale timer
      if (!st.status.joined) {
        // The first join failed (database down at start): keep trying.
        self->request(st.writer, std::chrono::seconds{30}, write_atom_v, join_command(st.opts))
          .then([=](persistence::write_result& joined) { apply_join(self, joined); },
                [=](caf::error&) { schedule_heartbeat(self); });
        return;
      }
      auto cmd = persistence::write_command{
        {make_statement(heartbeat_sql, {st.opts.node_id, std::to_string(st.status.incarnation),
                                        std::to_string(st.opts.lease.count())})}};
      self->request(st.writer, st.opts.heartbeat, write_atom_v, std::move(cmd))
        .then(
          [=](persistence::write_result& res) {
            auto& s = self->state;
            if (generation != s.generation || s.leaving)
              return;
            if (res.results.at(0).rows.empty()) {
              // Our lease expired (e.g. the database was unreachable): join again with a
              // new incarnation, so nobody mistakes us for the old one.
              log::warn("cluster_lease_lost", log::fields{}("node", s.opts.node_id));
              s.status.joined = false;
              self->request(s.writer, std::chrono::seconds{30}, write_atom_v, join_command(s.opts))
                .then([=](persistence::write_result& joined) { apply_join(self, joined); },
                      [=](caf::error&) { schedule_heartbeat(self); });
              return;
            }
            s.status.lease_until = res.results.at(0).field(0, "lease_until").text;
            static auto& renewals = metrics::counter_of("messenger_cluster_lease_renewals_total",
                                                        "Leases in cluster_nodes renewed");
            renewals.inc();
            schedule_heartbeat(self);
          },
          [=](caf::error& err) {
            log::warn("cluster_heartbeat_failed",
                      log::fields{}("error", self->system().render(err)));
            if (generation == self->state.generation)
              schedule_heartbeat(self);
          });
    },
    [=](status_atom) -> node_status { return self->state.status; },
    [=](leave_atom) -> caf::result<node_status> {
      auto& st = self->state;
      st.leaving = true;
      ++st.generation;
      if (!st.status.joined)
        return st.status;
      st.status.joined = false;
      auto promise = self->make_response_promise<node_status>();
      auto cmd = persistence::write_command{
        {make_statement(leave_sql, {st.opts.node_id, std::to_string(st.status.incarnation)})}};
      self->request(st.writer, std::chrono::seconds{5}, write_atom_v, std::move(cmd))
        .then([=](persistence::write_result&) mutable { promise.deliver(self->state.status); },
              [=](caf::error&) mutable { promise.deliver(self->state.status); });
      return promise;
    },
  };
}

} // namespace

actors::membership_actor spawn_membership(caf::actor_system& sys, actors::writer_actor writer,
                                          membership_options opts) {
  return sys.spawn(membership, std::move(writer), std::move(opts));
}

} // namespace messenger::cluster
