#pragma once

// A node on port 0 over a fresh database, bootstrapped through the Platform API the way an
// installation is: account 1 "Acme" with an administrator (Ada) and an agent (Ben).

#include "tests/support/pg.hpp"

#include "app/node.hpp"
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace messenger::test {

struct api_node {
  static constexpr const char* platform = "platform-token-for-tests-0123456789";

  temp_database db;
  std::unique_ptr<app::node> node;
  uint16_t port = 0;
  std::string admin; ///< access token of Ada (administrator)
  std::string agent; ///< access token of Ben (agent)
  int64_t admin_id = 0;
  int64_t agent_id = 0;

  /// `tweak` adjusts the node's configuration before it starts.
  explicit api_node(std::function<void(config::app_config&)> tweak = {});
  ~api_node();

  /// Calls the API with `token`, checks the status and returns the parsed body (null when
  /// empty, discarded when not JSON).
  nlohmann::json call(const std::string& method, const std::string& target,
                      const nlohmann::json& body, const std::string& token, int expected = 200);

  /// Creates an API inbox (administrator) and returns its JSON.
  nlohmann::json make_inbox(const std::string& name, bool auto_assign = false);

  /// Creates a contact in `inbox` and returns the `payload` of POST /contacts.
  nlohmann::json make_contact(const std::string& name, const std::string& email, int64_t inbox);

  /// Creates a conversation of `contact` in `inbox` and returns its JSON.
  nlohmann::json make_conversation(int64_t inbox, int64_t contact);
};

} // namespace messenger::test
