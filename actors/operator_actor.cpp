#include "actors/operator_actor.hpp"

#include "actors/errors.hpp"
#include "actors/passivation.hpp"
#include "domain/presence.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>

namespace messenger::actors {

namespace {

constexpr auto timeout = std::chrono::seconds{30};

struct account_presence {
  domain::agent_presence presence;
  std::vector<int64_t> inboxes;
  bool eligible = false;                                       ///< last value told to the inboxes
  domain::availability status = domain::availability::offline; ///< last value published
};

struct operator_state {
  operator_state() = default; // not an aggregate: CAF must not build it from `self`
  entity_context ctx;
  operator_row row;
  std::map<int64_t, account_presence> accounts;
  uint64_t wake_generation = 0;
  uint64_t idle_generation = 0;
  caf::actor_clock::time_point last_used{};
  static inline const char* name = "operator";
};

using pointer = operator_actor::stateful_pointer<operator_state>;

domain::timestamp now_of(pointer self) {
  return self->state.ctx.clock.now(self->clock().now());
}

domain::duration fresh_for(pointer self) {
  return std::chrono::duration_cast<domain::duration>(self->state.ctx.options.presence_duration);
}

/// Publishes `presence.changed` when the agent's status in the account changed (realtime
/// pushes the account's presence to its agents: availability changes, arrival, expiry).
void publish_status(pointer self, int64_t account_id, account_presence& acc) {
  auto status = acc.presence.status(now_of(self), fresh_for(self));
  if (status == acc.status)
    return;
  acc.status = status;
  domain_event ev;
  ev.kind = domain::event_kind::presence_changed;
  ev.account_id = account_id;
  ev.at = domain::to_micros(now_of(self));
  ev.presence = std::string{domain::to_string(status)};
  ev.by.type = "User";
  ev.by.id = self->state.row.user_id;
  self->send(self->state.ctx.dispatcher, publish_atom_v, std::move(ev));
}

/// Tells the account's inboxes when this agent's eligibility changed, and realtime when
/// its status did.
void recompute(pointer self, int64_t account_id) {
  auto& st = self->state;
  auto it = st.accounts.find(account_id);
  if (it == st.accounts.end())
    return;
  auto& acc = it->second;
  publish_status(self, account_id, acc);
  bool eligible = acc.presence.eligible(now_of(self), fresh_for(self));
  if (eligible == acc.eligible)
    return;
  acc.eligible = eligible;
  auto user = st.row.user_id;
  for (auto inbox_id : acc.inboxes)
    self->request(st.ctx.registry, timeout, inbox_atom_v, inbox_id)
      .then(
        [=](inbox_actor& inbox) {
          self->send(inbox, eligible_atom_v, eligibility_change{user, eligible});
        },
        [](caf::error&) {});
}

/// One timer for the earliest presence expiry over all accounts.
void arm_expiry(pointer self) {
  auto& st = self->state;
  domain::opt_time earliest;
  for (auto& [_, acc] : st.accounts) {
    auto at = acc.presence.expires_at(fresh_for(self));
    if (at && (!earliest || *at < *earliest))
      earliest = at;
  }
  ++st.wake_generation;
  if (earliest)
    self->delayed_send(self, st.ctx.clock.until(*earliest, self->clock().now()),
                       presence_expiry_atom_v, st.wake_generation);
}

operator_view view_of(pointer self) {
  auto& st = self->state;
  operator_view view;
  view.user_id = st.row.user_id;
  auto now = now_of(self);
  for (auto& [account, acc] : st.accounts) {
    view.accounts.push_back(account);
    view.statuses.emplace_back(domain::to_string(acc.presence.status(now, fresh_for(self))));
    view.connections.push_back(acc.presence.connections);
    view.configured.emplace_back(domain::to_string(acc.presence.configured));
    view.auto_offline.push_back(acc.presence.auto_offline ? 1 : 0);
    view.last_ping.push_back(acc.presence.last_ping ? domain::to_micros(*acc.presence.last_ping)
                                                    : 0);
  }
  view.now = domain::to_micros(now);
  view.presence_duration_s = st.ctx.options.presence_duration.count();
  view.mailbox = self->mailbox().size();
  return view;
}

account_presence& account(pointer self, int64_t account_id) {
  return self->state.accounts[account_id];
}

void arm_idle(pointer self) {
  self->delayed_send(self, self->state.ctx.options.idle_after, idle_atom_v,
                     ++self->state.idle_generation);
}

void touch(pointer self) {
  self->state.last_used = self->clock().now();
}

operator_view ping(pointer self, int64_t account_id) {
  touch(self);
  account(self, account_id).presence.last_ping = now_of(self);
  recompute(self, account_id);
  arm_expiry(self);
  return view_of(self);
}

/// A live connection (cable, SSE) opened (+1) or closed (-1) in the account.
operator_view connections_changed(pointer self, const connection_change& change) {
  touch(self);
  auto& p = account(self, change.account_id).presence;
  auto next = static_cast<int64_t>(p.connections) + change.delta;
  p.connections = static_cast<uint32_t>(std::max<int64_t>(0, next));
  if (change.delta > 0)
    p.last_ping = now_of(self);
  recompute(self, change.account_id);
  arm_expiry(self);
  return view_of(self);
}

/// Persisted first (account_users), applied and told to the inboxes after commit.
caf::result<operator_view> set_availability(pointer self, const availability_command& cmd) {
  touch(self);
  if (cmd.availability > 2)
    return caf::make_error(errc::invalid_argument, std::string{"unknown availability"});
  auto account_id = cmd.account_id;
  auto availability = cmd.availability;
  auto auto_offline = cmd.auto_offline;
  operator_account acc;
  acc.account_id = account_id;
  acc.availability = availability;
  acc.auto_offline = auto_offline;
  auto promise = self->make_response_promise<operator_view>();
  self->request(self->state.ctx.store, timeout, save_atom_v, self->state.row.user_id, acc)
    .await(
      [=](bool) mutable {
        auto& p = account(self, account_id).presence;
        p.configured = static_cast<domain::availability>(availability);
        p.auto_offline = auto_offline;
        recompute(self, account_id);
        arm_expiry(self);
        promise.deliver(view_of(self));
      },
      [=](caf::error& err) mutable { promise.deliver(err); });
  return promise;
}

operator_view membership_changed(pointer self, const operator_member_change& change) {
  touch(self);
  auto& inboxes = account(self, change.account_id).inboxes;
  auto it = std::find(inboxes.begin(), inboxes.end(), change.inbox_id);
  if (change.added && it == inboxes.end())
    inboxes.push_back(change.inbox_id);
  else if (!change.added && it != inboxes.end())
    inboxes.erase(it);
  return view_of(self);
}

bool eligible_in(pointer self, int64_t account_id) {
  auto it = self->state.accounts.find(account_id);
  return it != self->state.accounts.end()
         && it->second.presence.eligible(now_of(self), fresh_for(self));
}

/// A ping expired somewhere: every account's presence is recomputed.
void wake(pointer self, uint64_t generation) {
  if (generation != self->state.wake_generation)
    return;
  std::vector<int64_t> ids;
  for (auto& [account_id, _] : self->state.accounts)
    ids.push_back(account_id);
  for (auto id : ids)
    recompute(self, id);
  arm_expiry(self);
}

void idle(pointer self, uint64_t generation) {
  auto& s = self->state;
  if (generation != s.idle_generation)
    return;
  bool live = false; // present agents keep their actor (presence is memory-only)
  for (auto& [_, acc] : s.accounts)
    live = live || acc.presence.present(now_of(self), fresh_for(self));
  bool keep = self->clock().now() - s.last_used < s.ctx.options.idle_after || live;
  try_passivate(self, s.ctx.registry, entity_kind::operator_, s.row.user_id, keep,
                [=] { arm_idle(self); });
}

} // namespace

operator_actor::behavior_type operator_fn(pointer self, operator_row row, entity_context ctx) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.row = std::move(row);
  for (const auto& acc : st.row.accounts) {
    auto& entry = st.accounts[acc.account_id];
    entry.presence.configured = static_cast<domain::availability>(acc.availability);
    entry.presence.auto_offline = acc.auto_offline;
    entry.inboxes = acc.inboxes;
    entry.eligible = entry.presence.eligible(now_of(self), fresh_for(self));
    entry.status = entry.presence.status(now_of(self), fresh_for(self));
  }
  st.last_used = self->clock().now();
  arm_idle(self);
  return {
    [=](presence_atom, int64_t account_id) -> operator_view { return ping(self, account_id); },
    [=](connection_atom, const connection_change& change) -> operator_view {
      return connections_changed(self, change);
    },
    [=](availability_atom, const availability_command& cmd) -> caf::result<operator_view> {
      return set_availability(self, cmd);
    },
    [=](member_atom, const operator_member_change& change) -> operator_view {
      return membership_changed(self, change);
    },
    [=](eligible_atom, int64_t account_id) -> bool { return eligible_in(self, account_id); },
    [=](get_atom) -> operator_view { return view_of(self); },
    [=](presence_expiry_atom, uint64_t generation) { wake(self, generation); },
    [=](idle_atom, uint64_t generation) { idle(self, generation); },
  };
}

operator_actor spawn_operator(caf::local_actor* parent, operator_row row, entity_context ctx) {
  return parent->spawn(operator_fn, std::move(row), std::move(ctx));
}

} // namespace messenger::actors
