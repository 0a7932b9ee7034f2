#pragma once

#include "persistence/queries/row.hpp"

/// An account's webhooks: the Application API's CRUD (rendered as Chatwoot's webhook JSON)
/// and the delivery targets the webhook actor loads.
namespace messenger::persistence::queries::webhooks {

/// The account's webhooks (json_docs), by id.
statement list(int64_t account_id);

/// POST/PATCH attributes; a PATCH changes only the given ones.
struct webhook_fields {
  int64_t account_id = 0;
  std::optional<std::string> url;
  std::optional<std::string> name;
  /// A JSON array of event names; nullopt: Chatwoot's default set (create) or unchanged.
  std::optional<std::string> subscriptions;
};
/// The created webhook (json_doc_of); an inbox of another account is ignored.
statement create(const webhook_fields& hook, std::optional<int64_t> inbox_id,
                 const std::string& secret);
/// No row when the account has no such webhook.
statement update(const webhook_fields& hook, int64_t webhook_id);
/// Returns the id; no row when the account has no such webhook.
statement remove(int64_t account_id, int64_t webhook_id);

/// Where an account's events go: its webhooks and its API inboxes' webhook_urls.
statement targets(int64_t account_id);

struct target_row {
  std::string url;
  std::string secret;
  /// A JSON array of event names ("[]" for inbox webhook_urls).
  std::string subscriptions_json;
  int64_t inbox_id = 0; ///< 0 = every inbox of the account
  bool inbox_url = false;
};
std::vector<target_row> read_targets(const result_set& rs);

} // namespace messenger::persistence::queries::webhooks
