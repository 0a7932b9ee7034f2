#include "actors/conversation_actor.hpp"

#include "actors/conversation_state.hpp"
#include "actors/passivation.hpp"
#include "actors/row_codec.hpp"
#include "common/log.hpp"
#include "domain/reporting.hpp"

#include <caf/all.hpp>

namespace messenger::actors {

namespace conversation_impl {

domain::timestamp now_of(pointer self) {
  return self->state.ctx.clock.now(self->clock().now());
}

namespace {

void touch(pointer self) {
  self->state.last_used = self->clock().now();
}

} // namespace

bool admit(pointer self) {
  if (self->state.retiring)
    return false;
  touch(self);
  return true;
}

caf::error gone() {
  return to_caf_error({errc::not_found, "Resource could not be found"});
}

void quit_if_retired(pointer self) {
  actors::quit_if_retired(self, self->state.in_flight);
}

conversation_row current_row(pointer self) {
  auto row = self->state.row;
  from_domain(self->state.conv, row);
  return row;
}

void arm_snooze(pointer self) {
  auto& st = self->state;
  ++st.snooze_generation;
  if (st.conv.status != domain::conversation_status::snoozed || !st.conv.snoozed_until)
    return;
  auto delay = st.ctx.clock.until(*st.conv.snoozed_until, self->clock().now());
  self->delayed_send(self, delay, snooze_due_atom_v, st.snooze_generation);
}

void arm_idle(pointer self) {
  self->delayed_send(self, self->state.ctx.options.idle_after, idle_atom_v,
                     ++self->state.idle_generation);
}

domain_event make_event(pointer self, domain::event_kind kind, const performer& by,
                        std::string activity) {
  const auto& row = self->state.row;
  domain_event ev;
  ev.kind = kind;
  ev.account_id = row.account_id;
  ev.inbox_id = row.inbox_id;
  ev.conversation_id = row.id;
  ev.display_id = row.display_id;
  ev.at = domain::to_micros(now_of(self));
  ev.by = by;
  ev.contact_id = row.contact_id;
  ev.contact_inbox_id = row.contact_inbox_id;
  ev.conversation = row;
  ev.unread_count = domain::unread_count(self->state.conv);
  ev.activity = std::move(activity);
  return ev;
}

domain_event message_event(pointer self, domain::event_kind kind, const message_row& msg,
                           const performer& by) {
  auto ev = make_event(self, kind, by);
  ev.message_id = msg.id;
  ev.message = msg;
  return ev;
}

void publish(pointer self, domain_event ev) {
  self->send(self->state.ctx.dispatcher, publish_atom_v, std::move(ev));
}

void request_agent_if_needed(pointer self) {
  auto& st = self->state;
  // The inbox decides with its current enable_auto_assignment (this row's copy may be older);
  // it assigns one when the conversation is unassigned or its assignee is no longer a member.
  if (st.conv.status != domain::conversation_status::open)
    return;
  auto id = st.row.id;
  auto current = st.conv.assignee_id.value_or(0);
  self->request(st.ctx.registry, store_timeout, inbox_atom_v, st.row.inbox_id)
    .then(
      [=](inbox_actor& inbox) {
        self->send(inbox, want_agent_atom_v, agent_request{id, current});
      },
      [](caf::error&) {});
}

reporting_row to_row(pointer self, const domain::reporting_event& ev) {
  reporting_row r;
  r.name = ev.name;
  r.value = ev.value;
  r.value_in_business_hours = ev.value_in_business_hours;
  r.account_id = self->state.row.account_id;
  r.inbox_id = self->state.row.inbox_id;
  r.user_id = ev.user_id.value_or(0);
  r.conversation_id = self->state.row.id;
  r.event_start_time = domain::to_micros(ev.event_start_time);
  r.event_end_time = domain::to_micros(ev.event_end_time);
  return r;
}

void status_reports(pointer self, const domain::status_change& change, domain::timestamp now,
                    std::vector<reporting_row>& reports) {
  auto& st = self->state;
  if (change.from == change.to)
    return;
  if (change.to == domain::conversation_status::resolved) {
    reports.push_back(
      to_row(self, domain::conversation_resolved(now, st.conv.created_at, st.conv.assignee_id)));
    st.last_resolved_end = now;
  } else if (change.to == domain::conversation_status::open) {
    reports.push_back(
      to_row(self, domain::conversation_opened(now, st.last_resolved_end, st.conv.created_at,
                                               st.conv.assignee_id)));
    st.last_non_human_activity = now;
  }
}

void publish_status_events(pointer self, const domain::status_change& change, const performer& by,
                           const std::string& activity) {
  if (!change.changed)
    return;
  using enum domain::event_kind;
  if (change.from != change.to) {
    if (change.to == domain::conversation_status::open)
      publish(self, make_event(self, conversation_opened, by));
    if (change.to == domain::conversation_status::resolved)
      publish(self, make_event(self, conversation_resolved, by));
  }
  publish(self, make_event(self, conversation_status_changed, by, activity));
  publish(self, make_event(self, conversation_updated, by));
}

conversation_write write_of(pointer self) {
  conversation_write w;
  w.conversation = current_row(self);
  return w;
}

void commit_failed(pointer self, const caf::error& err) {
  auto& s = self->state;
  s.reload_needed = true;
  log::warn("conversation_write_failed",
            log::fields{}("conversation", s.row.id)("error", self->system().render(err)));
  if (s.retiring) {
    quit_if_retired(self);
    return;
  }
  if (s.in_flight > 0)
    return;
  self->request(s.ctx.store, store_timeout, load_atom_v, conversation_atom_v, s.row.id)
    .await(
      [=](conversation_row& fresh) {
        auto& x = self->state;
        x.row = fresh;
        x.conv = to_domain(fresh);
        x.reload_needed = false;
        arm_snooze(self);
      },
      [](caf::error&) {});
}

caf::result<conversation_row> commit_row(pointer self, conversation_write write,
                                         const performer& by,
                                         std::vector<after_commit_event> events) {
  auto promise = self->make_response_promise<conversation_row>();
  commit(self, std::move(write), promise,
         [=](message_row&, caf::typed_response_promise<conversation_row>& rp) {
           for (const auto& ev : events)
             publish(self, make_event(self, ev.kind, by, ev.activity));
           rp.deliver(self->state.row);
         });
  return promise;
}

namespace {

caf::result<bool> retire(pointer self) {
  auto& s = self->state;
  s.retiring = true;
  ++s.snooze_generation; // its timers are void from now on
  auto promise = self->make_response_promise<bool>();
  s.retired.push_back(promise);
  quit_if_retired(self);
  return promise;
}

void wake(pointer self, uint64_t generation) {
  auto& s = self->state;
  if (s.retiring || generation != s.snooze_generation || !domain::snooze_due(s.conv, now_of(self)))
    return; // stale timer, or the conversation left snoozed meanwhile
  status_command cmd;
  cmd.status = static_cast<int32_t>(domain::conversation_status::open);
  change_status(self, cmd);
}

void idle(pointer self, uint64_t generation) {
  auto& s = self->state;
  if (s.retiring || generation != s.idle_generation)
    return;
  auto idle_for = self->clock().now() - s.last_used;
  bool timer_armed = s.conv.status == domain::conversation_status::snoozed && s.conv.snoozed_until;
  bool keep = idle_for < s.ctx.options.idle_after || s.in_flight > 0 || timer_armed;
  try_passivate(self, s.ctx.registry, entity_kind::conversation, s.row.id, keep,
                [=] { arm_idle(self); });
}

/// Runs a command's handler `f` while the actor takes commands; a retired one answers
/// gone().
template <class F>
auto admitted(pointer self, F f) -> decltype(f()) {
  if (!admit(self))
    return gone();
  return f();
}

void init(pointer self, const conversation_row& initial, entity_context ctx) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.row = initial;
  st.conv = to_domain(initial);
  st.flood = domain::flood_limiter{st.ctx.options.message_per_minute_limit};
  for (auto t : initial.last_minute)
    st.flood.record(domain::from_micros(t));
  st.inbox.active_bot = initial.inbox_active_bot;
  st.last_resolved_end = to_opt_time(initial.last_resolved_end);
  st.last_non_human_activity = to_opt_time(initial.last_non_human_activity);
  touch(self);
  arm_snooze(self);
  arm_idle(self);
}

/// The ops console's view; does not count as use (an inspected entity still passivates).
conversation_view view_of(pointer self) {
  auto& s = self->state;
  conversation_view view;
  view.row = current_row(self);
  view.now = domain::to_micros(now_of(self));
  view.flood_count = s.flood.count(now_of(self));
  view.flood_limit = s.flood.limit();
  view.mailbox = self->mailbox().size();
  if (s.conv.status == domain::conversation_status::snoozed && s.conv.snoozed_until)
    view.snooze_due = domain::to_micros(*s.conv.snoozed_until); // arm_snooze's condition
  return view;
}

conversation_actor::behavior_type conversation(pointer self, conversation_row initial,
                                               entity_context ctx) {
  init(self, initial, std::move(ctx));
  return {
    [=](message_atom, message_command& cmd) -> caf::result<message_row> {
      return admitted(self, [&] { return add_message(self, cmd); });
    },
    [=](toggle_atom, status_command& cmd) -> caf::result<conversation_row> {
      return admitted(self, [&] { return change_status(self, cmd); });
    },
    [=](team_atom, const team_command& cmd) -> caf::result<conversation_row> {
      return admitted(self, [&] { return change_team(self, cmd); });
    },
    [=](priority_atom, const priority_command& cmd) -> caf::result<conversation_row> {
      return admitted(self, [&] { return change_priority(self, cmd); });
    },
    [=](assign_atom, const assign_command& cmd) -> caf::result<conversation_row> {
      return admitted(self, [&] { return assign(self, cmd); });
    },
    [=](auto_assign_atom, const auto_assign_command& cmd) -> caf::result<bool> {
      return admitted(self, [&] { return auto_assign(self, cmd); });
    },
    [=](seen_atom, int64_t user_id) -> caf::result<conversation_row> {
      return admitted(self, [&] { return agent_seen(self, user_id); });
    },
    [=](contact_seen_atom) -> caf::result<conversation_row> {
      return admitted(self, [&] { return contact_seen(self); });
    },
    [=](unread_atom) -> caf::result<conversation_row> {
      return admitted(self, [&] { return mark_unread(self); });
    },
    [=](typing_atom, const typing_command& cmd) -> caf::result<bool> {
      return admitted(self, [&] { return typing(self, cmd); });
    },
    [=](labels_atom, labels_command& cmd) -> caf::result<conversation_row> {
      return admitted(self, [&] { return set_labels(self, std::move(cmd)); });
    },
    [=](attributes_atom, const attributes_command& cmd) -> caf::result<conversation_row> {
      return admitted(self, [&] { return set_custom_attributes(self, cmd); });
    },
    [=](get_atom) -> caf::result<conversation_row> {
      return admitted(self, [&]() -> caf::result<conversation_row> { return current_row(self); });
    },
    [=](inspect_atom) -> conversation_view { return view_of(self); },
    [=](delete_atom, const delete_message_command& cmd) -> caf::result<message_row> {
      return admitted(self, [&] { return delete_message(self, cmd); });
    },
    [=](retire_atom) -> caf::result<bool> { return retire(self); },
    [=](snooze_due_atom, uint64_t generation) { wake(self, generation); },
    [=](idle_atom, uint64_t generation) { idle(self, generation); },
  };
}

} // namespace

} // namespace conversation_impl

conversation_actor spawn_conversation(caf::local_actor* parent, conversation_row row,
                                      entity_context ctx) {
  return parent->spawn(conversation_impl::conversation, std::move(row), std::move(ctx));
}

} // namespace messenger::actors
