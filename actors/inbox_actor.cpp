#include "actors/inbox_actor.hpp"

#include "actors/errors.hpp"
#include "actors/passivation.hpp"
#include "common/log.hpp"
#include "domain/rate_limiter.hpp"
#include "domain/round_robin.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
#include <set>

namespace messenger::actors {

namespace {

constexpr auto timeout = std::chrono::seconds{30};

struct inbox_state {
  inbox_state() = default; // not an aggregate: CAF must not build it from `self`
  entity_context ctx;
  inbox_row row;
  domain::round_robin_ring ring;
  domain::assignment_rate_limiter limiter{5, std::chrono::seconds{300}};
  /// Conversations waiting for an agent, oldest first, with the assignee they had (0: none).
  std::deque<std::pair<int64_t, int64_t>> queue;
  std::set<int64_t> eligible;
  uint64_t wake_generation = 0;
  uint64_t idle_generation = 0;
  caf::actor_clock::time_point last_used{};
  int creates_in_flight = 0;
  /// The ring or the rate window changed since the last save; a save is in flight.
  bool assignment_dirty = false;
  bool assignment_saving = false;
  /// Retired for a delete: creates and assigns nothing, quits once no create is in flight.
  bool retiring = false;
  std::vector<caf::typed_response_promise<bool>> retired;
  static inline const char* name = "inbox";
};

using pointer = inbox_actor::stateful_pointer<inbox_state>;

void quit_if_retired(pointer self) {
  auto& s = self->state;
  bool saving = s.assignment_dirty || s.assignment_saving;
  actors::quit_if_retired(self, s.creates_in_flight + (saving ? 1 : 0));
}

domain::timestamp now_of(pointer self) {
  return self->state.ctx.clock.now(self->clock().now());
}

/// Saves the ring and the rate window (the inbox's own row, under its epoch): one save in
/// flight at a time, the changes made meanwhile coalesced into the next. A retiring inbox
/// (handoff, delete) quits only after its last change committed, so the next owner continues
/// the same rotation and windows. A failed save is logged and left to the next change.
void save_assignment_state(pointer self) {
  auto& s = self->state;
  s.assignment_dirty = true;
  if (s.assignment_saving)
    return;
  s.assignment_dirty = false;
  s.assignment_saving = true;
  inbox_row snapshot;
  snapshot.id = s.row.id;
  snapshot.ring.assign(s.ring.order().begin(), s.ring.order().end());
  for (const auto& [user, at] : s.limiter.recorded(now_of(self))) {
    snapshot.rate_users.push_back(user);
    snapshot.rate_times.push_back(domain::to_micros(at));
  }
  auto done = [=] {
    self->state.assignment_saving = false;
    if (self->state.assignment_dirty)
      save_assignment_state(self);
    else
      quit_if_retired(self);
  };
  self->request(s.ctx.store, timeout, save_atom_v, inbox_atom_v, std::move(snapshot))
    .then([=](bool) { done(); },
          [=](caf::error& err) {
            log::warn(
              "inbox_assignment_state_not_saved",
              log::fields{}("inbox", self->state.row.id)("error", self->system().render(err)));
            done();
          });
}

std::vector<int64_t> member_ids(const inbox_state& st) {
  std::vector<int64_t> ids;
  for (const auto& m : st.row.members)
    ids.push_back(m.user_id);
  return ids;
}

std::string member_name(const inbox_state& st, int64_t user_id) {
  for (const auto& m : st.row.members)
    if (m.user_id == user_id)
      return m.name;
  return {};
}

/// Arms a timer for when the first rate-limited eligible agent becomes free again.
void arm_rate_wake(pointer self, domain::timestamp now) {
  auto& st = self->state;
  domain::opt_time earliest;
  for (auto id : st.eligible) {
    auto free_at = st.limiter.next_free(id, now);
    if (free_at && (!earliest || *free_at < *earliest))
      earliest = free_at;
  }
  if (!earliest)
    return;
  self->delayed_send(self, st.ctx.clock.until(*earliest, self->clock().now()), rate_window_atom_v,
                     ++st.wake_generation);
}

/// Picks the next agent for `conversation_id` (ring order among eligible members within
/// the rate limit) and hands the conversation to it. False when nobody is available.
bool try_assign(pointer self, int64_t conversation_id, int64_t expected) {
  auto& st = self->state;
  auto now = now_of(self);
  std::set<int64_t> allowed;
  for (auto id : st.eligible)
    if (st.limiter.within_limit(id, now))
      allowed.insert(id);
  auto picked = st.ring.pick(member_ids(st), allowed);
  if (!picked)
    return false;
  auto agent = *picked;
  st.limiter.record(agent, now);
  save_assignment_state(self);
  auto name = member_name(st, agent);
  auto undo = [=] {
    self->state.limiter.undo(agent, now);
    save_assignment_state(self);
  };
  self->request(st.ctx.registry, timeout, conversation_atom_v, conversation_id)
    .then(
      [=](conversation_actor& conv) {
        self->request(conv, timeout, auto_assign_atom_v, auto_assign_command{agent, name, expected})
          .then(
            [=](bool assigned) {
              if (!assigned) // assigned or closed meanwhile: give the slot back
                undo();
            },
            [=](caf::error&) { undo(); });
      },
      [=](caf::error&) { undo(); });
  log::debug("auto_assigned",
             log::fields{}("inbox", st.row.id)("conversation", conversation_id)("agent", agent));
  return true;
}

/// Assigns waiting conversations, oldest first, while agents are available.
void drain(pointer self) {
  auto& st = self->state;
  while (!st.queue.empty() && try_assign(self, st.queue.front().first, st.queue.front().second))
    st.queue.pop_front();
  if (!st.queue.empty())
    arm_rate_wake(self, now_of(self));
}

void ask_eligibility(pointer self, int64_t user_id) {
  auto account = self->state.row.account_id;
  self->request(self->state.ctx.registry, timeout, operator_atom_v, user_id)
    .then(
      [=](operator_actor& op) {
        self->request(op, timeout, eligible_atom_v, account)
          .then(
            [=](bool eligible) {
              auto& st = self->state;
              if (!eligible) {
                st.eligible.erase(user_id);
                return;
              }
              auto members = member_ids(st);
              if (std::find(members.begin(), members.end(), user_id) == members.end())
                return; // removed meanwhile
              st.eligible.insert(user_id);
              drain(self);
            },
            [](caf::error&) {});
      },
      [](caf::error&) {});
}

void arm_idle(pointer self) {
  self->delayed_send(self, self->state.ctx.options.idle_after, idle_atom_v,
                     ++self->state.idle_generation);
}

void touch(pointer self) {
  self->state.last_used = self->clock().now();
}

/// conversation.created, then (§9.1) auto-assignment of a conversation created open
/// without an assignee.
void created(pointer self, const conversation_row& conv) {
  auto& x = self->state;
  domain_event ev;
  ev.kind = domain::event_kind::conversation_created;
  ev.account_id = conv.account_id;
  ev.inbox_id = conv.inbox_id;
  ev.conversation_id = conv.id;
  ev.display_id = conv.display_id;
  ev.at = conv.created_at;
  ev.conversation = conv;
  ev.contact_id = conv.contact_id;
  ev.contact_inbox_id = conv.contact_inbox_id;
  self->send(x.ctx.dispatcher, publish_atom_v, std::move(ev));
  if (!x.retiring && conv.status == 0 && conv.assignee_id == 0 && x.row.enable_auto_assignment) {
    if (!x.queue.empty() || !try_assign(self, conv.id, 0)) {
      x.queue.emplace_back(conv.id, 0);
      drain(self);
    }
  }
}

/// Conversations of an inbox are created by its one actor, in order.
caf::result<conversation_row> create(pointer self, conversation_row& templ) {
  auto& s = self->state;
  if (s.retiring)
    return to_caf_error({errc::not_found, "Resource could not be found"});
  touch(self);
  ++s.creates_in_flight;
  templ.account_id = s.row.account_id;
  templ.inbox_id = s.row.id;
  templ.created_at = domain::to_micros(now_of(self));
  if (templ.status != 3)
    templ.snoozed_until = 0; // snoozed_until only accompanies snoozed
  auto promise = self->make_response_promise<conversation_row>();
  self->request(s.ctx.store, timeout, create_atom_v, std::move(templ))
    .then(
      [=](conversation_row& conv) mutable {
        --self->state.creates_in_flight;
        created(self, conv);
        promise.deliver(conv);
        quit_if_retired(self);
      },
      [=](caf::error& err) mutable {
        --self->state.creates_in_flight;
        promise.deliver(err);
        quit_if_retired(self);
      });
  return promise;
}

/// enable_auto_assignment changed (PATCH inboxes): off drops the queue; on reloads the
/// open, unassigned conversations from the store and assigns them, oldest first.
void toggle_auto_assignment(pointer self, bool auto_assignment) {
  auto& s = self->state;
  touch(self);
  if (s.row.enable_auto_assignment == auto_assignment)
    return;
  s.row.enable_auto_assignment = auto_assignment;
  s.queue.clear();
  if (!auto_assignment)
    return;
  self->request(s.ctx.store, std::chrono::seconds{30}, load_atom_v, inbox_atom_v, s.row.id)
    .then(
      [=](inbox_row& fresh) {
        auto& x = self->state;
        if (!x.row.enable_auto_assignment)
          return;
        for (auto id : fresh.waiting)
          x.queue.emplace_back(id, 0);
        drain(self);
      },
      [](caf::error&) {});
}

void want_agent(pointer self, const agent_request& req) {
  auto& s = self->state;
  auto conversation_id = req.conversation_id;
  auto current_assignee = req.current_assignee;
  touch(self);
  if (s.retiring || !s.row.enable_auto_assignment)
    return;
  auto members = member_ids(s);
  if (current_assignee != 0
      && std::find(members.begin(), members.end(), current_assignee) != members.end())
    return; // its assignee is still a member of the inbox: nothing to do
  auto queued = std::find_if(s.queue.begin(), s.queue.end(),
                             [&](const auto& q) { return q.first == conversation_id; });
  if (queued != s.queue.end())
    return;
  if (!s.queue.empty() || !try_assign(self, conversation_id, current_assignee)) {
    s.queue.emplace_back(conversation_id, current_assignee); // oldest first
    drain(self);
  }
}

void member_changed(pointer self, const inbox_member_change& change) {
  auto& s = self->state;
  touch(self);
  auto user_id = change.user_id;
  auto it = std::find_if(s.row.members.begin(), s.row.members.end(),
                         [&](const inbox_member& m) { return m.user_id == user_id; });
  if (change.added && it == s.row.members.end()) {
    s.row.members.push_back({user_id, change.name});
    s.ring.add(user_id);
    save_assignment_state(self);
    ask_eligibility(self, user_id);
  } else if (!change.added && it != s.row.members.end()) {
    s.row.members.erase(it);
    s.ring.remove(user_id);
    s.eligible.erase(user_id);
    save_assignment_state(self);
  }
}

void eligibility_changed(pointer self, const eligibility_change& change) {
  auto& s = self->state;
  touch(self);
  auto members = member_ids(s);
  if (!change.eligible
      || std::find(members.begin(), members.end(), change.user_id) == members.end()) {
    s.eligible.erase(change.user_id);
    return;
  }
  s.eligible.insert(change.user_id);
  drain(self);
}

inbox_view view_of(pointer self) {
  auto& s = self->state;
  inbox_view view;
  view.inbox_id = s.row.id;
  // The ring's next pick is the eligible member closest to the tail: list tail first.
  view.ring.assign(s.ring.order().rbegin(), s.ring.order().rend());
  for (const auto& [user, count] : s.limiter.counts(now_of(self))) {
    view.rate_users.push_back(user);
    view.rate_counts.push_back(count);
  }
  for (const auto& q : s.queue)
    view.queue.push_back(q.first);
  view.eligible.assign(s.eligible.begin(), s.eligible.end());
  view.rate_limit = s.limiter.limit();
  view.rate_window_s = s.limiter.window().count();
  view.now = domain::to_micros(now_of(self));
  view.auto_assignment = s.row.enable_auto_assignment;
  view.mailbox = self->mailbox().size();
  return view;
}

caf::result<bool> retire(pointer self) {
  auto& s = self->state;
  s.retiring = true;
  s.queue.clear();
  auto promise = self->make_response_promise<bool>();
  s.retired.push_back(promise);
  quit_if_retired(self);
  return promise;
}

void idle(pointer self, uint64_t generation) {
  auto& s = self->state;
  if (s.retiring || generation != s.idle_generation)
    return;
  // Keep the actor while conversations wait: it owns the queue and its timers.
  bool keep = self->clock().now() - s.last_used < s.ctx.options.idle_after || !s.queue.empty()
              || s.assignment_dirty || s.assignment_saving;
  try_passivate(self, s.ctx.registry, entity_kind::inbox, s.row.id, keep, [=] { arm_idle(self); });
}

/// The ring and rate window the inbox's last owner saved, caught up with the members.
void restore_assignment_state(inbox_state& st) {
  st.ring.restore(st.row.ring, member_ids(st));
  std::vector<std::pair<int64_t, domain::timestamp>> recorded;
  for (size_t i = 0; i < st.row.rate_users.size() && i < st.row.rate_times.size(); ++i)
    recorded.emplace_back(st.row.rate_users[i], domain::from_micros(st.row.rate_times[i]));
  st.limiter.restore(recorded);
}

} // namespace

inbox_actor::behavior_type inbox(pointer self, inbox_row row, entity_context ctx) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.row = std::move(row);
  st.limiter = domain::assignment_rate_limiter{st.ctx.options.assignment_limit,
                                               st.ctx.options.assignment_window};
  restore_assignment_state(st);
  for (auto id : st.row.waiting)
    st.queue.emplace_back(id, 0);
  st.last_used = self->clock().now();
  for (const auto& m : st.row.members)
    ask_eligibility(self, m.user_id);
  arm_idle(self);
  return {
    [=](create_atom, conversation_row& templ) -> caf::result<conversation_row> {
      return create(self, templ);
    },
    [=](toggle_atom, bool auto_assignment) { toggle_auto_assignment(self, auto_assignment); },
    [=](want_agent_atom, const agent_request& req) { want_agent(self, req); },
    [=](member_atom, const inbox_member_change& change) { member_changed(self, change); },
    [=](eligible_atom, const eligibility_change& change) { eligibility_changed(self, change); },
    [=](inspect_atom) -> inbox_view { return view_of(self); },
    [=](rate_window_atom, uint64_t generation) {
      if (!self->state.retiring && generation == self->state.wake_generation)
        drain(self);
    },
    [=](retire_atom) -> caf::result<bool> { return retire(self); },
    [=](idle_atom, uint64_t generation) { idle(self, generation); },
  };
}

inbox_actor spawn_inbox(caf::local_actor* parent, inbox_row row, entity_context ctx) {
  return parent->spawn(inbox, std::move(row), std::move(ctx));
}

} // namespace messenger::actors
