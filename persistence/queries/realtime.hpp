#pragma once

#include "persistence/queries/row.hpp"

/// The reads of the realtime edge (/cable, the SSE stream, the push listener): who a
/// pubsub_token belongs to, the inboxes an agent sees, the account's presence as PostgreSQL
/// implies it, and the push data of senders, teams, contact inboxes and channels.
namespace messenger::persistence::queries::realtime {

/// Every agent of the account with the status PostgreSQL implies without presence: offline
/// for auto_offline agents, their configured availability otherwise.
statement configured_presence(int64_t account_id);

struct presence_row {
  int64_t user_id = 0;
  std::string status; ///< online, busy, offline
};
std::vector<presence_row> read_presence(const result_set& rs);

/// The user with this pubsub_token and id, member of the account (an agent's /cable
/// subscription).
statement agent_subscriber(const std::string& pubsub_token, int64_t user_id, int64_t account_id);

struct agent_subscriber_row {
  bool administrator = false;
  std::vector<int64_t> inboxes; ///< the account's inboxes the agent is a member of
};
std::optional<agent_subscriber_row> read_agent_subscriber(const result_set& rs);

/// The contact inbox with this pubsub_token (a contact's /cable subscription).
statement contact_subscriber(const std::string& pubsub_token);

struct contact_subscriber_row {
  int64_t contact_inbox_id = 0;
  int64_t contact_id = 0;
  bool hmac_verified = false;
  int64_t account_id = 0;
};
std::optional<contact_subscriber_row> read_contact_subscriber(const result_set& rs);

/// The account's inboxes the user is a member of (an agent's SSE stream).
statement agent_inboxes(int64_t user_id, int64_t account_id);
std::vector<int64_t> read_agent_inboxes(const result_set& rs);

/// Something push data refers to: User, Contact (their sender JSON), Team ({id, name}),
/// ContactInbox (its row), Inbox (its channel type).
struct push_key {
  std::string kind;
  int64_t id = 0;
};

/// The push data of every key in one statement.
statement push_data(const std::vector<push_key>& keys);

struct push_data_row {
  push_key key;
  std::optional<json_doc> body; ///< nullopt when the entity does not exist
};
std::vector<push_data_row> read_push_data(const result_set& rs);

} // namespace messenger::persistence::queries::realtime
