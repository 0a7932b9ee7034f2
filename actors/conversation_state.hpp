#pragma once

// The conversation actor's state and the steps its handlers share (internal to
// conversation_actor.cpp and conversation_commands.cpp).

#include "actors/entity_context.hpp"
#include "actors/errors.hpp"
#include "domain/conversation.hpp"
#include "domain/flood_limiter.hpp"
#include "domain/message_rules.hpp"
#include "domain/reporting.hpp"
#include "domain/status_rules.hpp"

#include <caf/all.hpp>

#include <optional>
#include <string>
#include <vector>

namespace messenger::actors::conversation_impl {

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

// -- shared steps (conversation_actor.cpp) ----------------------------------------------

domain::timestamp now_of(pointer self);
/// Whether a command may run (marks the actor used); a retired actor takes none.
bool admit(pointer self);
caf::error gone();
/// A retired actor quits once its last write in flight has finished.
void quit_if_retired(pointer self);
/// The committed row view of the current domain state.
conversation_row current_row(pointer self);
void arm_snooze(pointer self);
void arm_idle(pointer self);
/// An event of this conversation as it is now (its row and unread count), by `by`.
domain_event make_event(pointer self, domain::event_kind kind, const performer& by,
                        std::string activity = {});
/// A message event: make_event with the message.
domain_event message_event(pointer self, domain::event_kind kind, const message_row& msg,
                           const performer& by);
void publish(pointer self, domain_event ev);
/// §9.1: a conversation that became open asks its inbox for an agent.
void request_agent_if_needed(pointer self);
reporting_row to_row(pointer self, const domain::reporting_event& ev);
/// Reports and bookkeeping for a status change at `now` (§13).
void status_reports(pointer self, const domain::status_change& change, domain::timestamp now,
                    std::vector<reporting_row>& reports);
/// Events of a status change, in Chatwoot's order (§6 side effects).
void publish_status_events(pointer self, const domain::status_change& change, const performer& by,
                           const std::string& activity);
/// A write of the current state (no message, no reports).
conversation_write write_of(pointer self);
/// After a failed commit: marks the state for a reload and reloads it from the database
/// once nothing else is in flight (the optimistic state may have run ahead).
void commit_failed(pointer self, const caf::error& err);

/// Commits `write`; on success runs `after(stored message, promise)`, on failure delivers
/// the error and reloads the state (commit_failed).
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
        --self->state.in_flight;
        promise.deliver(err);
        commit_failed(self, err);
      });
}

/// An event to publish after a commit: its kind and the activity message it causes.
struct after_commit_event {
  domain::event_kind kind;
  std::string activity;
};

/// Commits `write`, then publishes `events` in order (conversation JSON as data, `by` as
/// performer) and answers the committed row.
caf::result<conversation_row> commit_row(pointer self, conversation_write write,
                                         const performer& by,
                                         std::vector<after_commit_event> events = {});

// -- command handlers (conversation_commands.cpp) ---------------------------------------

caf::result<message_row> add_message(pointer self, message_command& cmd);
caf::result<conversation_row> change_status(pointer self, const status_command& cmd);
caf::result<conversation_row> change_team(pointer self, const team_command& cmd);
caf::result<conversation_row> change_priority(pointer self, const priority_command& cmd);
caf::result<conversation_row> assign(pointer self, const assign_command& cmd);
caf::result<bool> auto_assign(pointer self, const auto_assign_command& cmd);
/// An agent saw the conversation (throttled: no write when nothing changed; no event).
caf::result<conversation_row> agent_seen(pointer self, int64_t user_id);
/// The contact saw it: conversation.read.
caf::result<conversation_row> contact_seen(pointer self);
caf::result<conversation_row> mark_unread(pointer self);
caf::result<bool> typing(pointer self, const typing_command& cmd);
caf::result<conversation_row> set_labels(pointer self, labels_command cmd);
caf::result<conversation_row> set_custom_attributes(pointer self, const attributes_command& cmd);
caf::result<message_row> delete_message(pointer self, const delete_message_command& cmd);

} // namespace messenger::actors::conversation_impl
