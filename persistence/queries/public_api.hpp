#pragma once

#include "persistence/queries/contacts.hpp"
#include "persistence/queries/row.hpp"

#include <string_view>

/// The Client (public) API: an API-channel inbox addressed by its identifier, its contacts by
/// source id, and their conversations and messages.
namespace messenger::persistence::queries::public_api {

/// The inbox of an API channel identifier, in an active account.
statement inbox(const std::string& identifier);

struct inbox_row {
  int64_t id = 0;
  int64_t account_id = 0;
  std::string name;
  std::string timezone;
  std::string hmac_token; ///< "" when none
  bool hmac_mandatory = false;
  bool greeting_enabled = false;
  bool working_hours_enabled = false;
  bool csat_survey_enabled = false;
};
std::optional<inbox_row> read_inbox(const result_set& rs);

/// The contact inbox of `source_id` in the inbox, with its contact's name.
statement contact_inbox(int64_t inbox_id, const std::string& source_id);

struct contact_inbox_row {
  int64_t id = 0;
  int64_t contact_id = 0;
  std::string source_id;
  std::string pubsub_token; ///< "" when none
  bool hmac_verified = false;
  std::string name; ///< the contact's, "" when none
};
std::optional<contact_inbox_row> read_contact_inbox(const result_set& rs);

/// A conversation by display id, within the contact inbox, or within all of the contact's
/// conversations when `hmac_verified`; selecting the conversation list columns
/// (conversations::list_columns) of a conversation aliased `c`).
struct conversation_request {
  int64_t account_id = 0;
  int64_t display_id = 0;
  int64_t contact_inbox_id = 0;
  bool hmac_verified = false;
  int64_t contact_id = 0;
};
statement conversation(const conversation_request& req);

/// The conversation's public messages (not private, not activities) by id, selecting the
/// message columns (message_rows::columns), with the contact's row as JSON in column
/// `contact` of every row; one row with null message columns when there are no messages.
statement conversation_messages(int64_t conversation_id, int64_t contact_id);

/// The rows of conversation_messages that hold a message, in order.
std::vector<size_t> message_rows(const result_set& rs);
/// The contact's row (to_jsonb), nullopt when there is none.
std::optional<json_doc> read_conversation_contact(const result_set& rs);

/// The latest 20 public messages before message `before` (all when nullopt), oldest first,
/// selecting the message columns (message_rows::columns).
statement messages(int64_t conversation_id, std::optional<int64_t> before);

/// The contact as the Client API shows it: {source_id, pubsub_token, id, name, email,
/// phone_number}, and its push data.
struct public_contact_row {
  std::string source_id;
  std::string pubsub_token;
  int64_t id = 0;
  std::string name;
  std::optional<std::string> email;
  std::optional<std::string> phone_number;
  json_doc contact;     ///< messenger_contact_json without contact inboxes
  bool created = false; ///< (create only) the contact was made by this request
};
std::optional<public_contact_row> read_public_contact(const result_set& rs);

/// Finds or creates the contact of the inbox: an existing (inbox, source_id) as is; else the
/// contact by identifier, then email, then phone number, or a new one; then its contact
/// inbox (read_public_contact).
struct create_contact_request {
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  std::optional<std::string> source_id;
  contacts::fields fields; ///< name, email, phone, identifier, custom
  bool hmac_verified = false;
};
statement create_contact(const create_contact_request& req);

/// The contact of a contact inbox (read_public_contact).
statement contact(int64_t contact_inbox_id);

/// Updates name, email, phone and custom attributes (merged) of the contact, and marks the
/// contact inbox verified when `hmac_verified` (read_public_contact).
statement update_contact(int64_t contact_inbox_id, int64_t contact_id,
                         const contacts::fields& fields, bool hmac_verified);

/// The contact inbox's conversations with their public messages, as one JSON array (message
/// content_type as its enum number).
statement conversations(int64_t contact_inbox_id);
json_doc read_conversations(const result_set& rs);

} // namespace messenger::persistence::queries::public_api
