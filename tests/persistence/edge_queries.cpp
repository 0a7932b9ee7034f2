#define CAF_SUITE persistence.edge_queries
#include "persistence/connection.hpp"
#include "persistence/migrator.hpp"
#include "persistence/queries/conversations.hpp"
#include "persistence/queries/messages.hpp"
#include "persistence/queries/realtime.hpp"
#include "tests/support/pg.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>

using namespace messenger;
using namespace messenger::persistence;
namespace conversations = persistence::queries::conversations;
namespace messages = persistence::queries::messages;
namespace realtime = persistence::queries::realtime;

namespace {

/// Account 1 with an administrator (100, member of inbox 10) and an agent (101, no inbox);
/// contact 5 in inbox 10; conversations 1 (labels "billing, vip", two messages) and 2.
struct fixture {
  test::temp_database db;
  std::unique_ptr<connection> conn;
  int64_t first = 0;
  int64_t second = 0;

  fixture() {
    CAF_REQUIRE(migrate(db.url(), embedded_migrations()).has_value());
    db.scalar("INSERT INTO accounts (id, name, created_at, updated_at) VALUES (1, 'Acme', now(), "
              "now())");
    db.scalar("INSERT INTO users (id, name, email, uid, pubsub_token, created_at, updated_at) "
              "VALUES (100, 'Alice', 'a@example.com', 'a@example.com', 'tok-a', now(), now()), "
              "(101, 'Bob', 'b@example.com', 'b@example.com', 'tok-b', now(), now())");
    db.scalar("INSERT INTO account_users (account_id, user_id, role, created_at, updated_at) "
              "VALUES (1, 100, 1, now(), now()), (1, 101, 0, now(), now())");
    db.scalar("INSERT INTO channel_api (id, account_id, created_at, updated_at) VALUES (1, 1, "
              "now(), now())");
    db.scalar("INSERT INTO inboxes (id, channel_id, account_id, name, channel_type, created_at, "
              "updated_at) VALUES (10, 1, 1, 'API', 'Channel::Api', now(), now())");
    db.scalar("INSERT INTO inbox_members (user_id, inbox_id, created_at, updated_at) VALUES "
              "(100, 10, now(), now())");
    db.scalar("INSERT INTO contacts (id, name, account_id, created_at, updated_at) VALUES (5, "
              "'Carl', 1, now(), now())");
    first = std::stoll(db.scalar(
      "INSERT INTO conversations (account_id, inbox_id, contact_id, status, cached_label_list, "
      "created_at, updated_at, last_activity_at) VALUES (1, 10, 5, 0, 'billing, vip', now(), "
      "now(), now()) RETURNING id"));
    second = std::stoll(db.scalar(
      "INSERT INTO conversations (account_id, inbox_id, contact_id, status, created_at, "
      "updated_at, last_activity_at) VALUES (1, 10, 5, 0, now(), now(), now() - interval '1 "
      "hour') RETURNING id"));
    message(first, 0, "100% sure", "src-1");
    message(first, 2, "Conversation was resolved", "");
    auto opened = connection::open(db.url());
    CAF_REQUIRE(opened.has_value());
    conn = std::move(*opened);
  }

  void message(int64_t conversation, int type, const std::string& content,
               const std::string& source_id) {
    db.scalar("INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, "
              "content, source_id, created_at, updated_at) VALUES (1, 10, "
              + std::to_string(conversation) + ", " + std::to_string(type) + ", '" + content
              + "', NULLIF('" + source_id + "', ''), now(), now())");
  }

  result_set run(const statement& stmt) {
    auto rs = conn->query(stmt);
    CAF_REQUIRE(rs.has_value());
    return std::move(*rs);
  }

  conversations::list_filter filter() {
    conversations::list_filter f;
    f.account_id = 1;
    f.user_id = 100;
    f.administrator = true;
    f.status = 0;
    return f;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(edge_queries_tests, fixture)

CAF_TEST(the conversation list reads typed rows with their labels and counts) {
  auto rows = conversations::read_list(run(conversations::page(filter())));
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows[0].id, first); // last_activity_at DESC
  CAF_CHECK_EQUAL(rows[0].labels, (std::vector<std::string>{"billing", "vip"}));
  CAF_CHECK(rows[1].labels.empty());
  CAF_CHECK_EQUAL(rows[0].unread_count, 1);
  CAF_CHECK_EQUAL(rows[0].contact_id, 5);
  CAF_CHECK(!rows[0].sender_json.empty());
  CAF_CHECK(rows[0].assignee_json.empty());
  auto by_created = filter();
  by_created.order = *conversations::sort_order_of("created_at_desc");
  auto newest_first = conversations::read_list(run(conversations::page(by_created)));
  CAF_REQUIRE_EQUAL(newest_first.size(), 2u);
  CAF_CHECK_EQUAL(newest_first[0].id, second);
  auto labelled = filter();
  labelled.labels = {"vip"};
  CAF_CHECK_EQUAL(conversations::read_list(run(conversations::page(labelled))).size(), 1u);
  auto searched = filter();
  searched.q = "0%"; // % is a literal character
  CAF_CHECK_EQUAL(conversations::read_list(run(conversations::page(searched))).size(), 1u);
  searched.q = "0_";
  CAF_CHECK_EQUAL(conversations::read_list(run(conversations::page(searched))).size(), 0u);
  auto counts = conversations::read_counts(run(conversations::counts(filter())));
  CAF_CHECK_EQUAL(counts.total, 2);
  CAF_CHECK_EQUAL(counts.unassigned, 2);
  CAF_CHECK_EQUAL(counts.mine, 0);
  auto agent = filter();
  agent.user_id = 101;
  agent.administrator = false; // not a member of inbox 10
  CAF_CHECK_EQUAL(conversations::read_counts(run(conversations::counts(agent))).total, 0);
  auto mention = filter();
  mention.type = conversations::conversation_type::mention;
  CAF_CHECK_EQUAL(conversations::read_counts(run(conversations::counts(mention))).total, 0);
  CAF_CHECK(!conversations::sort_order_of("bogus"));
}

CAF_TEST(the access check tells members from others) {
  auto display = std::stoll(
    db.scalar("SELECT display_id FROM conversations WHERE id = " + std::to_string(first)));
  auto admin = conversations::read_access(run(conversations::access({1, display, true, 100})));
  CAF_REQUIRE(admin.has_value());
  CAF_CHECK_EQUAL(admin->id, first);
  CAF_CHECK_EQUAL(admin->inbox_id, 10);
  CAF_CHECK(admin->allowed);
  auto agent = conversations::read_access(run(conversations::access({1, display, false, 101})));
  CAF_REQUIRE(agent.has_value());
  CAF_CHECK(!agent->allowed);
  CAF_CHECK(!conversations::read_access(run(conversations::access({1, 999, true, 100}))));
}

CAF_TEST(message reads come back typed) {
  auto page = messages::read_messages(run(messages::page(first, std::nullopt, std::nullopt)));
  CAF_REQUIRE_EQUAL(page.size(), 2u);
  CAF_CHECK_LESS(page[0].id, page[1].id);
  CAF_CHECK_EQUAL(page[0].content, "100% sure");
  CAF_CHECK_EQUAL(page[0].source_id, "src-1");
  CAF_CHECK_EQUAL(page[1].message_type, 2);
  CAF_CHECK(!page[0].is_private);
  auto after = messages::read_messages(run(messages::page(first, std::nullopt, page[0].id)));
  CAF_REQUIRE_EQUAL(after.size(), 1u);
  CAF_CHECK_EQUAL(after[0].id, page[1].id);
  auto keyed = messages::read_messages(run(messages::by_source_or_echo(10, "src-1", "")));
  CAF_REQUIRE_EQUAL(keyed.size(), 1u);
  CAF_CHECK_NOT_EQUAL(keyed[0].display_id, 0);
  CAF_CHECK(messages::read_messages(run(messages::by_source_or_echo(10, "", ""))).empty());
  auto last = messages::read_last(run(messages::last_of({first, second})));
  CAF_REQUIRE_EQUAL(last.size(), 2u); // the second conversation has no messages
  auto kind = [&](bool is_last) {
    return std::find_if(last.begin(), last.end(),
                        [&](const messages::last_message_row& r) { return r.last == is_last; });
  };
  CAF_CHECK_EQUAL(kind(true)->message.message_type, 2);
  CAF_CHECK_EQUAL(kind(false)->message.content, "100% sure");
  CAF_CHECK_EQUAL(kind(false)->conversation_id, first);
  auto chat = messages::read_messages(run(messages::last_chat(first)));
  CAF_REQUIRE_EQUAL(chat.size(), 1u);
  CAF_CHECK_EQUAL(chat[0].content, "100% sure");
  auto found = messages::read_messages(run(messages::search({1, "0% s", true, 100, 1})));
  CAF_REQUIRE_EQUAL(found.size(), 1u);
  CAF_CHECK_NOT_EQUAL(found[0].display_id, 0);
}

CAF_TEST(realtime reads name subscribers and push data) {
  auto admin = realtime::read_agent_subscriber(run(realtime::agent_subscriber("tok-a", 100, 1)));
  CAF_REQUIRE(admin.has_value());
  CAF_CHECK(admin->administrator);
  CAF_CHECK_EQUAL(admin->inboxes, (std::vector<int64_t>{10}));
  auto agent = realtime::read_agent_subscriber(run(realtime::agent_subscriber("tok-b", 101, 1)));
  CAF_REQUIRE(agent.has_value());
  CAF_CHECK(!agent->administrator);
  CAF_CHECK(agent->inboxes.empty());
  CAF_CHECK(!realtime::read_agent_subscriber(run(realtime::agent_subscriber("tok-a", 101, 1))));
  CAF_CHECK_EQUAL(realtime::read_agent_inboxes(run(realtime::agent_inboxes(100, 1))),
                  (std::vector<int64_t>{10}));
  CAF_CHECK(realtime::read_agent_inboxes(run(realtime::agent_inboxes(101, 1))).empty());
  auto presence = realtime::read_presence(run(realtime::configured_presence(1)));
  CAF_CHECK_EQUAL(presence.size(), 2u);
  auto data = realtime::read_push_data(
    run(realtime::push_data({{"User", 100}, {"Inbox", 10}, {"Team", 999}})));
  CAF_REQUIRE_EQUAL(data.size(), 3u);
  for (const auto& row : data) {
    if (row.key.kind == "Team")
      CAF_CHECK(!row.body.has_value());
    else
      CAF_CHECK(row.body.has_value());
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
