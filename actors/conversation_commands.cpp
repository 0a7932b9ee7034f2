// The conversation actor's command handlers (its state and shared steps:
// conversation_state.hpp, conversation_actor.cpp).

#include "actors/conversation_state.hpp"
#include "actors/row_codec.hpp"
#include "common/log.hpp"
#include "domain/last_seen.hpp"
#include "domain/reporting.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace messenger::actors::conversation_impl {

namespace {

/// Compact JSON text of an object, or nothing when `text` is not a JSON object.
std::optional<std::string> canonical_object(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::nullopt;
  return doc.dump();
}

/// What a new message did to the conversation, for the events after its commit.
struct message_effects {
  domain::message_effect fx;
  domain::status_change change;
};

/// Events of a committed message, in Chatwoot's order, then an agent request when the
/// message reopened the conversation.
void publish_message_events(pointer self, const message_row& msg, const performer& by,
                            const message_effects& effects) {
  const auto& [fx, change] = effects;
  using enum domain::event_kind;
  publish(self, message_event(self, message_created, msg, by));
  if (fx.first_reply)
    publish(self, message_event(self, first_reply_created, msg, by));
  if (fx.reply_waiting_since)
    publish(self, message_event(self, reply_created, msg, by));
  if (change.changed) {
    performer system;
    publish_status_events(self, change, system,
                          change.to == domain::conversation_status::open
                            ? domain::system_reopen_activity()
                            : std::string{});
  } else if (fx.conversation_updated) {
    publish(self, make_event(self, conversation_updated, by));
  }
  if (change.changed)
    request_agent_if_needed(self);
}

/// The message's conversation fields and its creation time: strictly increasing per
/// conversation, so that message order is time order.
void stamp(pointer self, message_row& msg, domain::timestamp created) {
  auto& s = self->state;
  msg.conversation_id = s.row.id;
  msg.account_id = s.row.account_id;
  msg.inbox_id = s.row.inbox_id;
  msg.created_at = domain::to_micros(created);
}

/// The reporting rows a message causes (first response, reply time).
void message_reports(pointer self, const message_row& msg, domain::timestamp created,
                     const domain::message_effect& fx, std::vector<reporting_row>& reports) {
  auto& s = self->state;
  if (fx.first_reply)
    reports.push_back(
      to_row(self, domain::first_response(
                     created, s.last_non_human_activity.value_or(s.conv.created_at),
                     msg.sender_id == 0 ? std::nullopt : std::optional<int64_t>{msg.sender_id})));
  if (fx.reply_waiting_since)
    reports.push_back(
      to_row(self, domain::reply_time(created, *fx.reply_waiting_since, s.conv.assignee_id)));
}

} // namespace

caf::result<message_row> add_message(pointer self, message_command& cmd) {
  auto& s = self->state;
  auto now = now_of(self);
  if (!s.flood.allows(now)) {
    log::warn("message_flood",
              log::fields{}("account", s.row.account_id)("conversation", s.row.id));
    return to_caf_error({errc::rate_limited, "Too many messages"});
  }
  auto msg = std::move(cmd.message);
  auto created = now;
  if (s.conv.last_message_at && created <= *s.conv.last_message_at)
    created = *s.conv.last_message_at + domain::duration{1};
  stamp(self, msg, created);
  s.flood.record(created);
  message_effects effects;
  effects.change.from = s.conv.status;
  effects.fx = domain::apply_message(s.conv, facts_of(msg, cmd.preserve_waiting_since), s.inbox);
  effects.change.to = s.conv.status;
  effects.change.changed = effects.fx.reopened_to.has_value();
  auto write = write_of(self);
  write.has_message = true;
  write.message = msg;
  message_reports(self, msg, created, effects.fx, write.reports);
  if (effects.change.changed) {
    status_reports(self, effects.change, created, write.reports);
    arm_snooze(self); // a reopened conversation has no snooze timer any more
  }
  auto promise = self->make_response_promise<message_row>();
  commit(
    self, std::move(write), promise,
    [=, by = cmd.by](message_row& stored, caf::typed_response_promise<message_row>& rp) mutable {
      msg.id = stored.id;
      publish_message_events(self, msg, by, effects);
      rp.deliver(msg);
    });
  return promise;
}

caf::result<conversation_row> change_status(pointer self, const status_command& cmd) {
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
           publish_status_events(self, change, cmd.by, activity);
           if (assignee_changed)
             publish(self, make_event(self, domain::event_kind::assignee_changed, cmd.by,
                                      domain::assignment_activity(cmd.by.name, true, cmd.by.name)));
           request_agent_if_needed(self);
           rp.deliver(self->state.row);
         });
  return promise;
}

caf::result<conversation_row> change_team(pointer self, const team_command& cmd) {
  // POST …/assignments {team_id}: 0 removes the team. Activity as Chatwoot's
  // conversations.activity.team.{assigned,removed}.
  auto& s = self->state;
  auto team = cmd.team_id;
  auto before = s.conv.team_id.value_or(0);
  if (team < 0)
    return to_caf_error({errc::invalid_argument, "unknown team"});
  if (before == team)
    return current_row(self);
  s.conv.team_id = team == 0 ? std::nullopt : std::optional<int64_t>{team};
  std::string activity;
  if (!cmd.by.name.empty())
    activity = team == 0 ? "Unassigned from team by " + cmd.by.name
                         : "Assigned to " + cmd.team_name + " by " + cmd.by.name;
  return commit_row(
    self, write_of(self), cmd.by,
    {{domain::event_kind::team_changed, activity}, {domain::event_kind::conversation_updated, ""}});
}

caf::result<conversation_row> change_priority(pointer self, const priority_command& cmd) {
  auto& s = self->state;
  auto prio = cmd.priority;
  if (prio > 3 || prio < -1)
    return to_caf_error({errc::invalid_argument, "unknown priority"});
  auto before = s.conv.prio;
  std::optional<domain::priority> next;
  if (prio >= 0)
    next = static_cast<domain::priority>(prio);
  if (!domain::change_priority(s.conv, next))
    return current_row(self);
  auto activity
    = cmd.by.name.empty() ? std::string{} : domain::priority_activity(before, next, cmd.by.name);
  return commit_row(self, write_of(self), cmd.by,
                    {{domain::event_kind::conversation_updated, activity}});
}

caf::result<conversation_row> assign(pointer self, const assign_command& cmd) {
  auto& s = self->state;
  const auto& by = cmd.by;
  std::optional<int64_t> next;
  if (cmd.assignee > 0)
    next = cmd.assignee;
  if (s.conv.assignee_id == next)
    return current_row(self);
  s.conv.assignee_id = next;
  if (next)
    s.conv.assignee_agent_bot_id.reset();
  auto activity
    = by.name.empty()
        ? std::string{}
        : domain::assignment_activity(next ? cmd.assignee_name : std::string{},
                                      next && by.type == "User" && by.id == *next, by.name);
  return commit_row(self, write_of(self), by,
                    {{domain::event_kind::assignee_changed, activity},
                     {domain::event_kind::conversation_updated, {}}});
}

caf::result<bool> auto_assign(pointer self, const auto_assign_command& cmd) {
  // Compare-and-set: only while still open and still with the assignee the inbox saw.
  auto& s = self->state;
  if (s.conv.status != domain::conversation_status::open
      || s.conv.assignee_id.value_or(0) != cmd.expected_assignee)
    return false;
  s.conv.assignee_id = cmd.agent;
  s.conv.assignee_agent_bot_id.reset();
  auto promise = self->make_response_promise<bool>();
  performer system;
  auto activity = "Assigned to " + cmd.agent_name + " by Automation System";
  commit(self, write_of(self), promise, [=](message_row&, caf::typed_response_promise<bool>& rp) {
    publish(self, make_event(self, domain::event_kind::assignee_changed, system, activity));
    publish(self, make_event(self, domain::event_kind::conversation_updated, system));
    rp.deliver(true);
  });
  return promise;
}

caf::result<conversation_row> agent_seen(pointer self, int64_t user_id) {
  auto update = domain::agent_seen(self->state.conv, user_id, now_of(self));
  if (!update.agent_changed && !update.assignee_changed)
    return current_row(self);                           // throttled: nothing to write
  return commit_row(self, write_of(self), performer{}); // no event (update_columns)
}

caf::result<conversation_row> contact_seen(pointer self) {
  domain::contact_seen(self->state.conv, now_of(self));
  return commit_row(self, write_of(self),
                    performer{"Contact", self->state.row.contact_id, {}, false},
                    {{domain::event_kind::conversation_read, {}}});
}

caf::result<conversation_row> mark_unread(pointer self) {
  domain::mark_unread(self->state.conv);
  return commit_row(self, write_of(self), performer{});
}

caf::result<bool> typing(pointer self, const typing_command& cmd) {
  auto ev = make_event(
    self, cmd.on ? domain::event_kind::typing_on : domain::event_kind::typing_off, cmd.by);
  ev.conversation = current_row(self);
  ev.is_private = cmd.is_private;
  publish(self, std::move(ev));
  return true;
}

caf::result<conversation_row> set_labels(pointer self, labels_command cmd) {
  auto& s = self->state;
  auto& labels = cmd.labels;
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  if (labels == s.row.labels)
    return current_row(self);
  auto write = write_of(self);
  write.conversation.labels = labels;
  write.labels_changed = true;
  return commit_row(self, std::move(write), cmd.by,
                    {{domain::event_kind::conversation_updated, {}}});
}

caf::result<conversation_row> set_custom_attributes(pointer self, const attributes_command& cmd) {
  // POST .../custom_attributes replaces the whole hash (a JSON object).
  auto& s = self->state;
  auto canonical = canonical_object(cmd.custom_attributes);
  if (!canonical)
    return to_caf_error({errc::invalid_argument, "custom_attributes must be a JSON object"});
  if (*canonical == canonical_object(s.row.custom_attributes).value_or("{}"))
    return current_row(self);
  auto write = write_of(self);
  write.conversation.custom_attributes = *canonical;
  return commit_row(self, std::move(write), cmd.by,
                    {{domain::event_kind::conversation_updated, {}}});
}

caf::result<message_row> delete_message(pointer self, const delete_message_command& cmd) {
  // Chatwoot's MessagesController#destroy: a soft delete (content replaced,
  // content_attributes.deleted set) that leaves the conversation's times alone, written
  // here so that it orders with this conversation's other writes. message.updated.
  auto write = write_of(self);
  write.delete_message_id = cmd.message_id;
  auto promise = self->make_response_promise<message_row>();
  commit(self, std::move(write), promise,
         [=, by = cmd.by](message_row& stored, caf::typed_response_promise<message_row>& rp) {
           // No such message in this conversation: nothing changed, nothing to publish, and
           // the state is current (no reload, which would hold the actor's mailbox).
           if (stored.id == 0) {
             rp.deliver(gone());
             return;
           }
           publish(self, message_event(self, domain::event_kind::message_updated, stored, by));
           rp.deliver(stored);
         });
  return promise;
}

} // namespace messenger::actors::conversation_impl
