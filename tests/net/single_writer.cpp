#define CAF_SUITE net.single_writer
#include "tests/support/api_node.hpp"

#include <caf/test/unit_test.hpp>

// Every change to a conversation or its messages goes through the conversation actor, and a
// delete first retires the live actors it affects: nothing a live actor holds can bring a
// deleted or changed row back, and nothing is written after a delete.

using namespace messenger;
using json = nlohmann::json;

namespace {

const std::string base = "/api/v1/accounts/1";

struct fixture : test::api_node {
  int64_t inbox = 0;
  int64_t contact = 0;
  json conversation;
  std::string path; ///< the conversation's API path

  fixture() {
    inbox = make_inbox("Support")["id"].get<int64_t>();
    contact = make_contact("Carla", "carla@example.com", inbox)["contact"]["id"].get<int64_t>();
    conversation = make_conversation(inbox, contact);
    path = base + "/conversations/" + std::to_string(conversation["id"].get<int64_t>());
  }

  /// Posts a message (which also makes the conversation's actor live).
  json post(const std::string& content, int expected = 200) {
    return call("POST", path + "/messages", {{"content", content}}, admin, expected);
  }

  std::string row_id() const { return std::to_string(conversation_row_id()); }

  int64_t conversation_row_id() const {
    return std::stoll(db.scalar("SELECT id FROM conversations WHERE display_id = "
                                + std::to_string(conversation["id"].get<int64_t>())));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(single_writer_tests, fixture)

CAF_TEST(a deleted team does not come back with the next write of a live conversation) {
  auto team = call("POST", base + "/teams", {{"name", "billing"}}, admin)["id"].get<int64_t>();
  call("POST", path + "/assignments", {{"team_id", team}}, admin);
  post("the actor is live and holds the team");
  auto id = row_id();
  CAF_CHECK_EQUAL(db.scalar("SELECT team_id FROM conversations WHERE id = " + id),
                  std::to_string(team));
  call("DELETE", base + "/teams/" + std::to_string(team), nullptr, admin);
  CAF_CHECK_EQUAL(db.scalar("SELECT coalesce(team_id, 0) FROM conversations WHERE id = " + id),
                  "0");
  post("the next write after the team was deleted");
  CAF_CHECK_EQUAL(db.scalar("SELECT coalesce(team_id, 0) FROM conversations WHERE id = " + id),
                  "0");
  CAF_CHECK(call("GET", path, nullptr, admin)["team_id"].is_null());
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM teams"), "0");
}

CAF_TEST(after a contact is deleted its conversation takes no message and nothing is written) {
  post("the actor is live");
  auto id = row_id();
  call("DELETE", base + "/contacts/" + std::to_string(contact), nullptr, admin);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM conversations WHERE id = " + id), "0");
  auto answer = post("written after the delete", 404);
  CAF_CHECK_EQUAL(answer, json({{"error", "Resource could not be found"}}));
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM messages WHERE conversation_id = " + id), "0");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM conversations"), "0");
}

CAF_TEST(after an inbox is deleted its live conversation takes no message) {
  post("the actor is live");
  auto id = row_id();
  call("DELETE", base + "/inboxes/" + std::to_string(inbox), nullptr, admin);
  post("written after the delete", 404);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM messages WHERE conversation_id = " + id), "0");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM conversations WHERE id = " + id), "0");
  // A new conversation cannot be opened in the deleted inbox either.
  call("POST", base + "/conversations", {{"inbox_id", inbox}, {"contact_id", contact}}, admin, 404);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM conversations"), "0");
}

CAF_TEST(a message deleted while the actor is live stays deleted through its next commit) {
  auto first = post("my card number is 1234");
  post("sorry, please forget that");
  auto deleted = call("DELETE", path + "/messages/" + std::to_string(first["id"].get<int64_t>()),
                      nullptr, admin);
  CAF_CHECK_EQUAL(deleted["content"], "This message was deleted");
  CAF_CHECK_EQUAL(deleted["content_attributes"]["deleted"], true);
  CAF_CHECK(deleted.contains("sender"));
  post("the actor's next commit");
  auto id = std::to_string(first["id"].get<int64_t>());
  CAF_CHECK_EQUAL(db.scalar("SELECT content FROM messages WHERE id = " + id),
                  "This message was deleted");
  CAF_CHECK_EQUAL(db.scalar("SELECT content_attributes->>'deleted' FROM messages WHERE id = " + id),
                  "true");
  auto messages = call("GET", path + "/messages", nullptr, admin)["payload"];
  CAF_REQUIRE(messages.is_array());
  bool seen = false;
  for (const auto& m : messages)
    if (m["id"] == first["id"]) {
      seen = true;
      CAF_CHECK_EQUAL(m["content"], "This message was deleted");
    }
  CAF_CHECK(seen);
  call("DELETE", path + "/messages/999999", nullptr, admin, 404);
}

CAF_TEST_FIXTURE_SCOPE_END()
