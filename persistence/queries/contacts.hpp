#pragma once

#include "persistence/queries/row.hpp"

#include <string_view>

/// Contacts of the Application API: list, search, show, create, update, delete, a contact's
/// conversations, contactable inboxes, labels and contact inboxes.
namespace messenger::persistence::queries::contacts {

/// Chatwoot's contact sort keys (`sort=name`, `sort=-created_at`, …).
enum class sort_key {
  recent, ///< no key: last activity first
  email,
  name,
  phone_number,
  last_activity_at,
  created_at,
  company_name,
  city,
  country,
};

struct sort_order {
  sort_key key = sort_key::recent;
  bool descending = false;
};

/// `sort` (a `-` prefix = descending; empty = the default order), or nullopt when the key is
/// not a contact attribute.
std::optional<sort_order> sort_order_of(std::string_view sort);

/// One page of contacts (15 a page).
struct page_request {
  int64_t account_id = 0;
  bool with_inboxes = true;
  std::vector<std::string> labels; ///< any of them; empty = no label filter
  int64_t page = 1;
  sort_order order;
};

inline constexpr int64_t per_page = 15;

/// The resolved contacts (an email, a phone number or an identifier) of the account, with
/// their total count.
statement list(const page_request& req);

struct page_rows {
  std::vector<json_doc> contacts; ///< messenger_contact_json
  int64_t total = 0;
};
page_rows read_list(const result_set& rs);

/// Contacts whose name, email, phone number or identifier contains `q`: one row more than a
/// page (it tells whether there is another page). `labels` is not used.
statement search(const page_request& req, const std::string& q);
std::vector<json_doc> read_search(const result_set& rs);

/// One contact of the account (nullopt from the reader when there is none).
statement show(int64_t account_id, int64_t contact_id, bool with_inboxes);
std::optional<json_doc> read_contact(const result_set& rs);

/// The attributes a create or update may carry; nullopt leaves a value as it is (or its
/// default on create). The attribute hashes are JSON objects' text.
struct fields {
  std::optional<std::string> name, email, phone, identifier, additional, custom;
  std::optional<bool> blocked;
};

/// A new contact, with a contact inbox in `inbox_id` (when not 0 and of the account).
statement create(int64_t account_id, const fields& f, int64_t inbox_id,
                 const std::optional<std::string>& source_id);

struct created_row {
  json_doc contact; ///< messenger_contact_json without contact inboxes
  /// The contact inbox made with it, if any.
  std::optional<std::string> source_id;
  std::string pubsub_token;
  json_doc inbox; ///< messenger_inbox_brief
};
std::optional<created_row> read_created(const result_set& rs);

/// Updates the contact (attribute hashes merged into the stored ones); the reader
/// (read_contact) gives the updated contact, nullopt when there is none.
statement update(int64_t account_id, int64_t contact_id, const fields& f);

/// Deletes the contact with its contact inboxes, conversations, their messages and
/// reporting events, in one command.
write_command destroy(int64_t account_id, int64_t contact_id);
/// Whether the contact existed (and is gone).
bool read_destroyed(const write_result& res);

/// The contact's conversations the user may see (latest 20), selecting the
/// conversation list columns (conversations::list_columns).
statement conversations(int64_t account_id, int64_t contact_id, bool administrator,
                        int64_t user_id);

/// The inboxes the user may see, with the contact's source id in each.
statement contactable_inboxes(int64_t account_id, int64_t contact_id, bool administrator,
                              int64_t user_id);

struct contactable_inbox_row {
  json_doc inbox; ///< messenger_inbox_brief
  std::optional<std::string> source_id;
};
std::vector<contactable_inbox_row> read_contactable_inboxes(const result_set& rs);

/// The contact's labels (a JSON array of names), nullopt from the reader when the contact is
/// not in the account.
statement labels(int64_t account_id, int64_t contact_id);
std::optional<json_doc> read_labels(const result_set& rs);

/// Replaces the contact's labels with `labels` (lower-case names without commas).
write_command set_labels(int64_t account_id, int64_t contact_id,
                         const std::vector<std::string>& labels);
/// The labels after the change, nullopt when the contact is not in the account.
std::optional<json_doc> read_set_labels(const write_result& res);

/// Finds the contact's contact inbox in `inbox_id` (with `source_id` when given) or makes
/// one (BEHAVIOUR.md §14).
struct contact_inbox_request {
  int64_t account_id = 0;
  bool administrator = false;
  int64_t user_id = 0;
  int64_t contact_id = 0;
  int64_t inbox_id = 0;
  std::optional<std::string> source_id;
  bool hmac_verified = false;
};
statement find_or_create_contact_inbox(const contact_inbox_request& req);

struct contact_inbox_row {
  std::string source_id;
  json_doc inbox; ///< messenger_inbox_brief
};
/// nullopt when the inbox or the contact is not there (or the inbox not visible).
std::optional<contact_inbox_row> read_contact_inbox(const result_set& rs);

} // namespace messenger::persistence::queries::contacts
