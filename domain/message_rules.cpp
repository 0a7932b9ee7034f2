#include "domain/message_rules.hpp"

namespace messenger::domain {

bool is_human_response(const message_facts& m) {
  return m.type == message_type::outgoing && !m.automation && !m.campaign
         && (m.sender == sender_kind::user || m.external_echo);
}

bool is_bot_response(const message_facts& m) {
  return m.type == message_type::outgoing
         && (m.sender == sender_kind::agent_bot || m.sender == sender_kind::captain_assistant);
}

message_effect apply_message(conversation& conv, const message_facts& m, const inbox_facts& inbox) {
  message_effect fx;
  // §3: every message, any type, private or not.
  conv.last_activity_at = m.created_at;
  conv.last_message_at = m.created_at;

  // §6: an incoming message reopens a snoozed or resolved conversation (not a muted one).
  if (m.type == message_type::incoming) {
    remember_incoming(conv, m.created_at);
    if (!conv.contact_blocked) {
      if (conv.status == conversation_status::snoozed)
        fx.reopened_to = conversation_status::open;
      else if (conv.status == conversation_status::resolved)
        fx.reopened_to
          = inbox.active_bot ? conversation_status::pending : conversation_status::open;
      if (fx.reopened_to) {
        conv.status = *fx.reopened_to;
        conv.snoozed_until.reset();
      }
    }
  }

  // §2: the count the first-reply rule looks at (SQL: sender_type NOT IN bots, which
  // also excludes NULL senders; private = false; no campaign).
  bool counts_as_human_outgoing = m.type == message_type::outgoing && !m.is_private && !m.campaign
                                  && m.sender != sender_kind::none
                                  && m.sender != sender_kind::agent_bot
                                  && m.sender != sender_kind::captain_assistant;
  if (counts_as_human_outgoing)
    ++conv.human_outgoing_public_count;

  bool human = is_human_response(m);
  if (human && !m.is_private && !conv.first_reply_created_at
      && conv.human_outgoing_public_count <= 1) {
    fx.first_reply = true;
    conv.first_reply_created_at = m.created_at;
    conv.waiting_since.reset();
    fx.conversation_updated = true;
    return fx;
  }

  // §1: clear on a public human or bot reply, start the clock on an incoming message.
  if (!m.is_private && conv.waiting_since) {
    if (human) {
      fx.reply_waiting_since = conv.waiting_since;
      conv.waiting_since.reset();
      fx.conversation_updated = true;
    } else if (is_bot_response(m) && !m.preserve_waiting_since) {
      conv.waiting_since.reset();
      fx.conversation_updated = true;
    }
  }
  if (m.type == message_type::incoming && !conv.waiting_since) {
    conv.waiting_since = m.created_at;
    fx.conversation_updated = true;
  }
  return fx;
}

} // namespace messenger::domain
