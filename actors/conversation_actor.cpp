#include "actors/conversation_actor.hpp"

#include "actors/errors.hpp"
#include "actors/event_data.hpp"
#include "actors/passivation.hpp"
#include "actors/row_codec.hpp"
#include "common/log.hpp"
#include "domain/flood_limiter.hpp"
#include "domain/last_seen.hpp"
#include "domain/reporting.hpp"
#include "domain/status_rules.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

namespace messenger::actors {

namespace {

using namespace std::chrono_literals;
constexpr auto store_timeout = std::chrono::seconds{30};

struct conversation_state {
  conversation_state() = default; // not an aggregate: CAF must not build it from `self`
  entity_context ctx;
  conversation_row row;      ///< last committed (or being committed) row
  domain::conversation conv; ///< the domain record the rules work on
  domain::flood_limiter flood;
  domain::inbox_facts inbox;
  domain::opt_time last_resolved_end;
  domain::opt_time last_non_human_activity;
  uint64_t snooze_generation = 0;
  uint64_t idle_generation = 0;
  caf::actor_clock::time_point last_used{};
  int in_flight = 0;
  bool reload_needed = false;
  /// Retired for a delete: takes no command, quits once nothing is in flight.
  bool retiring = false;
  std::vector<caf::typed_response_promise<bool>> retired;
  static inline const char* name = "conversation";
};

using pointer = conversation_actor::stateful_pointer<conversation_state>;

domain::timestamp now_of(pointer self) {
  return self->state.ctx.clock.now(self->clock().now());
}

void touch(pointer self) {
  self->state.last_used = self->clock().now();
}

/// Whether a command may run (marks the actor used); a retired actor takes none.
bool admit(pointer self) {
  if (self->state.retiring)
    return false;
  touch(self);
  return true;
}

caf::error gone() {
  return to_caf_error({errc::not_found, "Resource could not be found"});
}

/// A retired actor quits once its last write in flight has finished.
void quit_if_retired(pointer self) {
  actors::quit_if_retired(self, self->state.in_flight);
}

/// The committed row view of the current domain state.
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
  self->delayed_send(self, delay, wake_atom_v, st.snooze_generation);
}

void arm_idle(pointer self) {
  self->delayed_send(self, self->state.ctx.options.idle_after, idle_atom_v,
                     ++self->state.idle_generation);
}

domain_event make_event(pointer self, std::string name, std::string data, const performer& by,
                        int64_t message_id = 0) {
  domain_event ev;
  ev.name = std::move(name);
  ev.account_id = self->state.row.account_id;
  ev.inbox_id = self->state.row.inbox_id;
  ev.conversation_id = self->state.row.id;
  ev.display_id = self->state.row.display_id;
  ev.message_id = message_id;
  ev.at = domain::to_micros(now_of(self));
  ev.data = std::move(data);
  ev.by = by;
  ev.contact_id = self->state.row.contact_id;
  ev.contact_inbox_id = self->state.row.contact_inbox_id;
  return ev;
}

void publish(pointer self, domain_event ev) {
  self->send(self->state.ctx.dispatcher, publish_atom_v, std::move(ev));
}

/// §9.1: a conversation that became open asks its inbox for an agent; the inbox assigns
/// one when it is unassigned or its assignee is no longer a member of the inbox.
void request_agent_if_needed(pointer self) {
  auto& st = self->state;
  // The inbox decides with its current enable_auto_assignment (this row's copy may be older).
  if (st.conv.status != domain::conversation_status::open)
    return;
  auto id = st.row.id;
  auto current = st.conv.assignee_id.value_or(0);
  self->request(st.ctx.registry, store_timeout, inbox_atom_v, st.row.inbox_id)
    .then([=](inbox_actor& inbox) { self->send(inbox, want_agent_atom_v, id, current); },
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

/// Reports and bookkeeping for a status change at `now` (§13).
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

/// Events of a status change, in Chatwoot's order (§6 side effects).
void publish_status_events(pointer self, const domain::status_change& change,
                           const conversation_row& row, const performer& by,
                           const std::string& activity) {
  if (!change.changed)
    return;
  auto data = conversation_json(row, domain::unread_count(self->state.conv));
  if (change.from != change.to) {
    if (change.to == domain::conversation_status::open)
      publish(self, make_event(self, "conversation.opened", data, by));
    if (change.to == domain::conversation_status::resolved)
      publish(self, make_event(self, "conversation.resolved", data, by));
  }
  publish(self,
          make_event(self, "conversation.status_changed",
                     conversation_json(row, domain::unread_count(self->state.conv), activity), by));
  publish(self, make_event(self, "conversation.updated", data, by));
}

/// Commits `write`; on success runs `after(stored message)`, on failure delivers the error
/// and reloads the state from the database once nothing else is in flight.
template <class Promise, class After>
void commit(pointer self, conversation_write write, Promise promise, After after) {
  auto& st = self->state;
  st.row = write.conversation;
  ++st.in_flight;
  self->request(st.ctx.store, store_timeout, save_atom_v, std::move(write))
    .then(
      [=](message_row& stored) mutable {
        --self->state.in_flight;
        after(stored, promise);
        quit_if_retired(self);
      },
      [=](caf::error& err) mutable {
        auto& s = self->state;
        --s.in_flight;
        s.reload_needed = true;
        log::warn("conversation_write_failed",
                  log::fields{}("conversation", s.row.id)("error", self->system().render(err)));
        promise.deliver(err);
        if (s.retiring) {
          quit_if_retired(self);
          return;
        }
        if (s.in_flight == 0) {
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
      });
}

/// Compact JSON text of an object, or nothing when `text` is not a JSON object.
std::optional<std::string> canonical_object(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::nullopt;
  return doc.dump();
}

conversation_write write_of(pointer self) {
  conversation_write w;
  w.conversation = current_row(self);
  return w;
}

/// An event to publish after a commit: its name and the activity text its data carries.
struct after_commit_event {
  std::string name;
  std::string activity;
};

/// Commits `write`, then publishes `events` in order (conversation JSON as data, `by` as
/// performer) and answers the committed row.
caf::result<conversation_row> commit_row(pointer self, conversation_write write,
                                         const performer& by,
                                         std::vector<after_commit_event> events = {}) {
  auto promise = self->make_response_promise<conversation_row>();
  commit(self, std::move(write), promise,
         [=](message_row&, caf::typed_response_promise<conversation_row>& rp) {
           auto row = self->state.row;
           auto unread = domain::unread_count(self->state.conv);
           for (const auto& ev : events)
             publish(self,
                     make_event(self, ev.name, conversation_json(row, unread, ev.activity), by));
           rp.deliver(row);
         });
  return promise;
}

caf::result<conversation_row> change_status_now(pointer self, const status_command& cmd) {
  auto& st = self->state;
  auto now = now_of(self);
  std::optional<domain::conversation_status> requested;
  if (cmd.status >= 0) {
    if (cmd.status > 3)
      return to_caf_error({errc::invalid_argument, "unknown status"});
    requested = static_cast<domain::conversation_status>(cmd.status);
  }
  auto before_assignee = st.conv.assignee_id;
  auto change = domain::change_status(st.conv, requested, to_opt_time(cmd.snoozed_until));
  // After toggle_status: open + a User caller clears the bot; an agent self-assigns.
  if (st.conv.status == domain::conversation_status::open && cmd.by.type == "User") {
    st.conv.assignee_agent_bot_id.reset();
    if (!cmd.by.administrator)
      st.conv.assignee_id = cmd.by.id;
  }
  bool assignee_changed = before_assignee != st.conv.assignee_id;
  auto write = write_of(self);
  status_reports(self, change, now, write.reports);
  arm_snooze(self);
  auto promise = self->make_response_promise<conversation_row>();
  std::string activity;
  if (change.from != change.to && !cmd.by.name.empty())
    activity = domain::status_activity(change.to, cmd.by.name);
  commit(self, std::move(write), promise,
         [=](message_row&, caf::typed_response_promise<conversation_row>& rp) {
           auto row = self->state.row;
           publish_status_events(self, change, row, cmd.by, activity);
           if (assignee_changed)
             publish(self, make_event(self, "assignee.changed",
                                      conversation_json(row, domain::unread_count(self->state.conv),
                                                        domain::assignment_activity(
                                                          cmd.by.name, true, cmd.by.name)),
                                      cmd.by));
           request_agent_if_needed(self);
           rp.deliver(row);
         });
  return promise;
}

} // namespace

conversation_actor::behavior_type conversation(pointer self, conversation_row initial,
                                               entity_context ctx) {
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
  return {
    [=](message_atom, message_command& cmd) -> caf::result<message_row> {
      if (!admit(self))
        return gone();
      auto& s = self->state;
      auto now = now_of(self);
      if (!s.flood.allows(now)) {
        log::warn("message_flood",
                  log::fields{}("account", s.row.account_id)("conversation", s.row.id));
        return to_caf_error({errc::rate_limited, "Too many messages"});
      }
      auto msg = std::move(cmd.message);
      msg.conversation_id = s.row.id;
      msg.account_id = s.row.account_id;
      msg.inbox_id = s.row.inbox_id;
      // Strictly increasing creation times keep message order == time order.
      auto created = now;
      if (s.conv.last_message_at && created <= *s.conv.last_message_at)
        created = *s.conv.last_message_at + domain::duration{1};
      msg.created_at = domain::to_micros(created);
      s.flood.record(created);
      auto before = s.conv.status;
      auto fx = domain::apply_message(s.conv, facts_of(msg, cmd.preserve_waiting_since), s.inbox);
      auto write = write_of(self);
      write.has_message = true;
      write.message = msg;
      if (fx.first_reply)
        write.reports.push_back(to_row(
          self, domain::first_response(
                  created, s.last_non_human_activity.value_or(s.conv.created_at),
                  msg.sender_id == 0 ? std::nullopt : std::optional<int64_t>{msg.sender_id})));
      if (fx.reply_waiting_since)
        write.reports.push_back(
          to_row(self, domain::reply_time(created, *fx.reply_waiting_since, s.conv.assignee_id)));
      domain::status_change change;
      change.from = before;
      change.to = s.conv.status;
      change.changed = fx.reopened_to.has_value();
      if (change.changed) {
        status_reports(self, change, created, write.reports);
        arm_snooze(self); // a reopened conversation has no snooze timer any more
      }
      auto promise = self->make_response_promise<message_row>();
      commit(self, std::move(write), promise,
             [=](message_row& stored, caf::typed_response_promise<message_row>& rp) mutable {
               msg.id = stored.id;
               auto& x = self->state;
               auto row = x.row;
               auto by = cmd.by;
               auto data = message_event_json(msg, row, domain::unread_count(x.conv));
               publish(self, make_event(self, "message.created", data, by, msg.id));
               if (fx.first_reply)
                 publish(self, make_event(self, "first.reply.created", data, by, msg.id));
               if (fx.reply_waiting_since)
                 publish(self, make_event(self, "reply.created", message_json(msg, row.display_id),
                                          by, msg.id));
               if (change.changed) {
                 performer system;
                 publish_status_events(self, change, row, system,
                                       change.to == domain::conversation_status::open
                                         ? domain::system_reopen_activity()
                                         : std::string{});
               } else if (fx.conversation_updated) {
                 publish(self,
                         make_event(self, "conversation.updated",
                                    conversation_json(row, domain::unread_count(x.conv)), by));
               }
               if (change.changed)
                 request_agent_if_needed(self);
               rp.deliver(msg);
             });
      return promise;
    },
    [=](toggle_atom, status_command& cmd) -> caf::result<conversation_row> {
      if (!admit(self))
        return gone();
      return change_status_now(self, cmd);
    },
    [=](team_atom, int64_t team, std::string& team_name,
        performer& by) -> caf::result<conversation_row> {
      // POST …/assignments {team_id}: 0 removes the team. Activity as Chatwoot's
      // conversations.activity.team.{assigned,removed}.
      if (!admit(self))
        return gone();
      auto& s = self->state;
      auto before = s.conv.team_id.value_or(0);
      if (team < 0)
        return to_caf_error({errc::invalid_argument, "unknown team"});
      if (before == team)
        return current_row(self);
      s.conv.team_id = team == 0 ? std::nullopt : std::optional<int64_t>{team};
      std::string activity;
      if (!by.name.empty())
        activity = team == 0 ? "Unassigned from team by " + by.name
                             : "Assigned to " + team_name + " by " + by.name;
      return commit_row(self, write_of(self), by,
                        {{"team.changed", activity}, {"conversation.updated", ""}});
    },
    [=](priority_atom, int32_t prio, performer& by) -> caf::result<conversation_row> {
      if (!admit(self))
        return gone();
      auto& s = self->state;
      if (prio > 3 || prio < -1)
        return to_caf_error({errc::invalid_argument, "unknown priority"});
      auto before = s.conv.prio;
      std::optional<domain::priority> next;
      if (prio >= 0)
        next = static_cast<domain::priority>(prio);
      if (!domain::change_priority(s.conv, next))
        return current_row(self);
      auto activity
        = by.name.empty() ? std::string{} : domain::priority_activity(before, next, by.name);
      return commit_row(self, write_of(self), by, {{"conversation.updated", activity}});
    },
    [=](assign_atom, int64_t assignee, std::string& assignee_name,
        performer& by) -> caf::result<conversation_row> {
      if (!admit(self))
        return gone();
      auto& s = self->state;
      std::optional<int64_t> next;
      if (assignee > 0)
        next = assignee;
      if (s.conv.assignee_id == next)
        return current_row(self);
      s.conv.assignee_id = next;
      if (next)
        s.conv.assignee_agent_bot_id.reset();
      auto activity
        = by.name.empty()
            ? std::string{}
            : domain::assignment_activity(next ? assignee_name : std::string{},
                                          next && by.type == "User" && by.id == *next, by.name);
      return commit_row(self, write_of(self), by,
                        {{"assignee.changed", activity}, {"conversation.updated", {}}});
    },
    [=](auto_assign_atom, int64_t agent, std::string& agent_name,
        int64_t expected) -> caf::result<bool> {
      // Compare-and-set: only while still open and still with the assignee the inbox saw.
      if (!admit(self))
        return gone();
      auto& s = self->state;
      if (s.conv.status != domain::conversation_status::open
          || s.conv.assignee_id.value_or(0) != expected)
        return false;
      s.conv.assignee_id = agent;
      s.conv.assignee_agent_bot_id.reset();
      auto promise = self->make_response_promise<bool>();
      performer system;
      auto activity = "Assigned to " + agent_name + " by Automation System";
      commit(
        self, write_of(self), promise, [=](message_row&, caf::typed_response_promise<bool>& rp) {
          auto row = self->state.row;
          auto unread = domain::unread_count(self->state.conv);
          publish(self, make_event(self, "assignee.changed",
                                   conversation_json(row, unread, activity), system));
          publish(self,
                  make_event(self, "conversation.updated", conversation_json(row, unread), system));
          rp.deliver(true);
        });
      return promise;
    },
    [=](seen_atom, int64_t user_id) -> caf::result<conversation_row> {
      if (!admit(self))
        return gone();
      auto update = domain::agent_seen(self->state.conv, user_id, now_of(self));
      if (!update.agent_changed && !update.assignee_changed)
        return current_row(self);                           // throttled: nothing to write
      return commit_row(self, write_of(self), performer{}); // no event (update_columns)
    },
    [=](contact_seen_atom) -> caf::result<conversation_row> {
      if (!admit(self))
        return gone();
      domain::contact_seen(self->state.conv, now_of(self));
      return commit_row(self, write_of(self),
                        performer{"Contact", self->state.row.contact_id, {}, false},
                        {{"conversation.read", {}}});
    },
    [=](unread_atom) -> caf::result<conversation_row> {
      if (!admit(self))
        return gone();
      domain::mark_unread(self->state.conv);
      return commit_row(self, write_of(self), performer{});
    },
    [=](typing_atom, bool on, bool is_private, performer& by) -> caf::result<bool> {
      if (!admit(self))
        return gone();
      auto row = current_row(self);
      std::string data
        = "{\"conversation\":" + conversation_json(row, domain::unread_count(self->state.conv))
          + ",\"is_private\":" + (is_private ? "true" : "false") + "}";
      publish(self, make_event(self, on ? "conversation.typing_on" : "conversation.typing_off",
                               std::move(data), by));
      return true;
    },
    [=](labels_atom, std::vector<std::string>& labels,
        performer& by) -> caf::result<conversation_row> {
      if (!admit(self))
        return gone();
      auto& s = self->state;
      std::sort(labels.begin(), labels.end());
      labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
      if (labels == s.row.labels)
        return current_row(self);
      auto write = write_of(self);
      write.conversation.labels = labels;
      write.labels_changed = true;
      return commit_row(self, std::move(write), by, {{"conversation.updated", {}}});
    },
    [=](attributes_atom, std::string& json_object, performer& by) -> caf::result<conversation_row> {
      // POST .../custom_attributes replaces the whole hash (a JSON object).
      if (!admit(self))
        return gone();
      auto& s = self->state;
      auto canonical = canonical_object(json_object);
      if (!canonical)
        return to_caf_error({errc::invalid_argument, "custom_attributes must be a JSON object"});
      if (*canonical == canonical_object(s.row.custom_attributes).value_or("{}"))
        return current_row(self);
      auto write = write_of(self);
      write.conversation.custom_attributes = *canonical;
      return commit_row(self, std::move(write), by, {{"conversation.updated", {}}});
    },
    [=](get_atom) -> caf::result<conversation_row> {
      if (!admit(self))
        return gone();
      return current_row(self);
    },
    [=](inspect_atom) -> conversation_view {
      // The ops console's view; does not count as use (an inspected entity still passivates).
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
    },
    [=](delete_atom, int64_t message_id, performer& by) -> caf::result<message_row> {
      // Chatwoot's MessagesController#destroy: a soft delete (content replaced,
      // content_attributes.deleted set) that leaves the conversation's times alone, written
      // here so that it orders with this conversation's other writes. message.updated.
      if (!admit(self))
        return gone();
      auto write = write_of(self);
      write.delete_message_id = message_id;
      auto promise = self->make_response_promise<message_row>();
      commit(self, std::move(write), promise,
             [=](message_row& stored, caf::typed_response_promise<message_row>& rp) {
               auto& x = self->state;
               auto data = message_event_json(stored, x.row, domain::unread_count(x.conv));
               publish(self, make_event(self, "message.updated", data, by, stored.id));
               rp.deliver(stored);
             });
      return promise;
    },
    [=](retire_atom) -> caf::result<bool> {
      auto& s = self->state;
      s.retiring = true;
      ++s.snooze_generation; // its timers are void from now on
      auto promise = self->make_response_promise<bool>();
      s.retired.push_back(promise);
      quit_if_retired(self);
      return promise;
    },
    [=](wake_atom, uint64_t generation) {
      auto& s = self->state;
      if (s.retiring || generation != s.snooze_generation
          || !domain::snooze_due(s.conv, now_of(self)))
        return; // stale timer, or the conversation left snoozed meanwhile
      status_command cmd;
      cmd.status = static_cast<int32_t>(domain::conversation_status::open);
      change_status_now(self, cmd);
    },
    [=](idle_atom, uint64_t generation) {
      auto& s = self->state;
      if (s.retiring || generation != s.idle_generation)
        return;
      auto idle_for = self->clock().now() - s.last_used;
      bool timer_armed
        = s.conv.status == domain::conversation_status::snoozed && s.conv.snoozed_until;
      bool keep = idle_for < s.ctx.options.idle_after || s.in_flight > 0 || timer_armed;
      try_passivate(self, s.ctx.registry, entity_kind::conversation, s.row.id, keep,
                    [=] { arm_idle(self); });
    },
  };
}

conversation_actor spawn_conversation(caf::local_actor* parent, conversation_row row,
                                      entity_context ctx) {
  return parent->spawn(conversation, std::move(row), std::move(ctx));
}

} // namespace messenger::actors
