#define CAF_SUITE net.inbox_admin
#include "tests/support/api_node.hpp"
#include "tests/support/eventually.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <set>
#include <thread>

using namespace messenger;
using json = nlohmann::json;

namespace {

const std::string base = "/api/v1/accounts/1";

struct fixture : test::api_node {
  /// The display ids the conversation list answers for `query` (one page).
  std::set<int64_t> listed(const std::string& query) {
    auto list = call("GET", base + "/conversations?" + query, nullptr, admin);
    std::set<int64_t> ids;
    for (const auto& c : list["data"]["payload"])
      ids.insert(c["id"].get<int64_t>());
    // The counts follow the same filters.
    CAF_CHECK_EQUAL(list["data"]["meta"]["all_count"].get<size_t>(), ids.size());
    return ids;
  }

  /// The number of rows of `table` that match `where`.
  std::string count(const std::string& table, const std::string& where) {
    return db.scalar("SELECT count(*) FROM " + table + " WHERE " + where);
  }
};

using ids = std::set<int64_t>;

} // namespace

CAF_TEST_FIXTURE_SCOPE(inbox_admin_tests, fixture)

CAF_TEST(inboxes are updated and deleted by administrators) {
  auto inbox = make_inbox("Support");
  auto path = base + "/inboxes/" + std::to_string(inbox["id"].get<int64_t>());
  call("PATCH", path, {{"name", "Help"}}, agent, 401);
  call("PATCH", path, {{"enable_auto_assignment", "yes"}}, admin, 422);
  call("PATCH", path, {{"channel", {{"webhook_url", "gopher://x"}}}}, admin, 422);
  auto updated = call("PATCH", path,
                      {{"name", "Help"},
                       {"greeting_enabled", true},
                       {"greeting_message", "Hi!"},
                       {"channel", {{"webhook_url", "https://hooks.test/in"}}}},
                      admin);
  CAF_CHECK_EQUAL(updated["name"], "Help");
  CAF_CHECK_EQUAL(updated["greeting_enabled"], true);
  CAF_CHECK_EQUAL(updated["greeting_message"], "Hi!");
  CAF_CHECK_EQUAL(updated["webhook_url"], "https://hooks.test/in");
  auto cleared = call("PATCH", path, {{"channel", {{"webhook_url", ""}}}}, admin);
  CAF_CHECK(cleared["webhook_url"].is_null());
  call("PATCH", base + "/inboxes/999", {{"name", "X"}}, admin, 404);

  // What goes with the inbox (docs/api-compat.md): its channel, members, contact inboxes,
  // conversations, their messages and reporting events. Another inbox with the same agent
  // and the same contact keeps all of its rows; the contact itself stays.
  auto id = std::to_string(inbox["id"].get<int64_t>());
  auto other = make_inbox("Sales")["id"].get<int64_t>();
  auto other_id = std::to_string(other);
  for (auto in : {inbox["id"].get<int64_t>(), other})
    call("POST", base + "/inbox_members", {{"inbox_id", in}, {"user_ids", {agent_id}}}, admin);
  auto jane = make_contact("Jane", "jane@example.com", inbox["id"].get<int64_t>());
  auto jane_id = jane["contact"]["id"].get<int64_t>();
  auto joe = make_contact("Joe", "joe@example.com", other)["contact"]["id"].get<int64_t>();
  auto doomed = make_conversation(inbox["id"].get<int64_t>(), jane_id)["id"].get<int64_t>();
  auto kept = make_conversation(other, jane_id)["id"].get<int64_t>();
  auto kept_too = make_conversation(other, joe)["id"].get<int64_t>();
  for (auto display : {doomed, kept, kept_too}) {
    auto conv = base + "/conversations/" + std::to_string(display);
    call("POST", conv + "/messages", {{"content", "help"}, {"message_type", "incoming"}}, admin);
    call("POST", conv + "/messages", {{"content", "sure"}}, admin); // first_response
  }
  auto channel = db.scalar("SELECT channel_id FROM inboxes WHERE id = " + id);
  CAF_REQUIRE_EQUAL(count("messages", "inbox_id = " + id), "2");
  CAF_REQUIRE_EQUAL(count("reporting_events", "inbox_id = " + id), "1");
  CAF_REQUIRE_EQUAL(count("inbox_members", "inbox_id = " + id), "1");
  CAF_REQUIRE_EQUAL(count("contact_inboxes", "inbox_id = " + id), "1");
  auto snapshot = [&] {
    return std::vector<std::string>{
      count("inboxes", "id = " + other_id),
      count("channel_api", "id = (SELECT channel_id FROM inboxes WHERE id = " + other_id + ")"),
      count("inbox_members", "inbox_id = " + other_id),
      count("contact_inboxes", "inbox_id = " + other_id),
      count("conversations", "inbox_id = " + other_id),
      count("messages", "inbox_id = " + other_id),
      count("reporting_events", "inbox_id = " + other_id),
      count("contacts", "account_id = 1")};
  };
  auto before = snapshot();
  CAF_CHECK_EQUAL(before, (std::vector<std::string>{"1", "1", "1", "2", "2", "4", "2", "2"}));

  call("DELETE", path, nullptr, agent, 401);
  CAF_CHECK_EQUAL(count("inboxes", "id = " + id), "1");
  call("DELETE", path, nullptr, admin);
  call("GET", path, nullptr, admin, 404);
  CAF_CHECK_EQUAL(count("inboxes", "id = " + id), "0");
  CAF_CHECK_EQUAL(count("channel_api", "id = " + channel), "0");
  CAF_CHECK_EQUAL(count("inbox_members", "inbox_id = " + id), "0");
  CAF_CHECK_EQUAL(count("contact_inboxes", "inbox_id = " + id), "0");
  CAF_CHECK_EQUAL(count("conversations", "inbox_id = " + id), "0");
  CAF_CHECK_EQUAL(count("messages", "inbox_id = " + id), "0");
  CAF_CHECK_EQUAL(count("reporting_events", "inbox_id = " + id), "0");
  CAF_CHECK_EQUAL(snapshot(), before);
  CAF_CHECK_EQUAL(listed("status=all"), (ids{kept, kept_too}));
  call("GET", base + "/contacts/" + std::to_string(jane_id), nullptr, admin);
  call("DELETE", path, nullptr, admin, 404);
}

CAF_TEST(inbox members are replaced with patch) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  call("POST", base + "/inbox_members", {{"inbox_id", inbox}, {"user_ids", {admin_id}}}, admin);
  auto replaced = call("PATCH", base + "/inbox_members",
                       {{"inbox_id", inbox}, {"user_ids", {agent_id}}}, admin);
  CAF_REQUIRE_EQUAL(replaced["payload"].size(), 1u);
  auto only = replaced["payload"][0];
  CAF_CHECK_EQUAL(only["id"], agent_id);
  auto view = call("GET", base + "/inbox_members/" + std::to_string(inbox), nullptr, admin);
  CAF_CHECK_EQUAL(view["payload"].size(), 1u);
  call("PATCH", base + "/inbox_members", {{"inbox_id", 999}, {"user_ids", {agent_id}}}, admin, 404);
  call("PATCH", base + "/inbox_members", {{"inbox_id", inbox}, {"user_ids", json::array()}}, agent,
       401);
}

CAF_TEST(turning auto assignment on assigns the waiting conversations) {
  auto inbox = make_inbox("Support", false)["id"].get<int64_t>();
  call("POST", base + "/inbox_members", {{"inbox_id", inbox}, {"user_ids", {agent_id}}}, admin);
  // Online without presence: auto_offline off.
  call("PATCH", base + "/agents/" + std::to_string(agent_id),
       {{"availability", "online"}, {"auto_offline", false}}, admin);
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto conv = make_conversation(inbox, contact);
  CAF_CHECK(!conv["meta"].contains("assignee"));
  auto path = base + "/conversations/" + std::to_string(conv["id"].get<int64_t>());
  call("PATCH", base + "/inboxes/" + std::to_string(inbox), {{"enable_auto_assignment", true}},
       admin);
  // The inbox actor assigns after the PATCH answered: poll the conversation (bounded).
  int64_t assignee = 0;
  test::eventually([&] {
    auto shown = call("GET", path, nullptr, admin);
    if (shown["meta"].contains("assignee"))
      assignee = shown["meta"]["assignee"]["id"].get<int64_t>();
    return assignee != 0;
  });
  CAF_CHECK_EQUAL(assignee, agent_id);
}

CAF_TEST(team assignment and list filters) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  auto team = call("POST", base + "/teams", {{"name", "billing"}}, admin);
  auto a = make_contact("Ann", "ann@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto b = make_contact("Bob", "bob@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto first = make_conversation(inbox, a)["id"].get<int64_t>();
  auto second = make_conversation(inbox, b)["id"].get<int64_t>();
  auto path = base + "/conversations/" + std::to_string(first);
  auto assigned = call("POST", path + "/assignments", {{"team_id", team["id"]}}, admin);
  CAF_CHECK_EQUAL(assigned["name"], "billing");
  // The raw team row, its times as Rails renders them: ISO-8601 UTC with milliseconds and Z.
  for (const char* key : {"created_at", "updated_at"}) {
    auto text = assigned[key].is_string() ? assigned[key].get<std::string>() : std::string{};
    CAF_CHECK(text.size() == 24u && text.back() == 'Z' && text[10] == 'T');
  }
  auto shown = call("GET", path, nullptr, admin);
  CAF_CHECK_EQUAL(shown["team_id"], team["id"]);
  auto by_team
    = call("GET", base + "/conversations?team_id=" + std::to_string(team["id"].get<int64_t>()),
           nullptr, admin);
  CAF_REQUIRE_EQUAL(by_team["data"]["payload"].size(), 1u);
  CAF_CHECK_EQUAL(by_team["data"]["payload"][0]["id"], first);
  auto oldest = call("GET", base + "/conversations?sort_by=created_at_asc", nullptr, admin);
  CAF_CHECK_EQUAL(oldest["data"]["payload"][0]["id"], first);
  auto newest = call("GET", base + "/conversations?sort_by=created_at_desc", nullptr, admin);
  CAF_CHECK_EQUAL(newest["data"]["payload"][0]["id"], second);
  call("GET", base + "/conversations?sort_by=bogus", nullptr, admin, 422);
  call("GET", base + "/conversations?conversation_type=bogus", nullptr, admin, 422);
  auto unattended
    = call("GET", base + "/conversations?conversation_type=unattended", nullptr, admin);
  CAF_CHECK_EQUAL(unattended["data"]["meta"]["all_count"], 2);
  call("POST", base + "/conversations/" + std::to_string(second) + "/messages",
       {{"content", "answer"}}, admin);
  auto after_reply
    = call("GET", base + "/conversations?conversation_type=unattended", nullptr, admin);
  CAF_CHECK_EQUAL(after_reply["data"]["meta"]["all_count"], 1);
  // updated_within reads conversations.updated_at (as Chatwoot's ConversationFinder does).
  // The second conversation's moves two hours into the past. Nothing writes that row again:
  // its reply was committed before the answer and a reply has no activity message. (The
  // first may still get its team activity message, which only keeps it recent.)
  CAF_CHECK_EQUAL(listed("updated_within=3600"), (ids{first, second}));
  db.scalar("UPDATE conversations SET updated_at = (now() AT TIME ZONE 'utc') - interval "
            "'2 hours' WHERE account_id = 1 AND display_id = "
            + std::to_string(second));
  CAF_CHECK_EQUAL(listed("updated_within=3600"), ids{first});
  CAF_CHECK_EQUAL(listed("updated_within=10800"), (ids{first, second}));
  CAF_CHECK_EQUAL(listed(""), (ids{first, second}));
  auto removed = call("POST", path + "/assignments", {{"team_id", 0}}, admin);
  CAF_CHECK(removed.is_null());
  auto again = call("GET", path, nullptr, admin);
  CAF_CHECK(again["team_id"].is_null());
}

CAF_TEST(list filters labels q source_id and inbox_id select exactly their conversations) {
  auto a = make_inbox("Support")["id"].get<int64_t>();
  auto b = make_inbox("Sales")["id"].get<int64_t>();
  auto ann = make_contact("Ann", "ann@example.com", a);
  auto bob = make_contact("Bob", "bob@example.com", a);
  auto cy = make_contact("Cy", "cy@example.com", b);
  auto c1 = make_conversation(a, ann["contact"]["id"].get<int64_t>())["id"].get<int64_t>();
  auto c2 = make_conversation(a, bob["contact"]["id"].get<int64_t>())["id"].get<int64_t>();
  auto c3 = make_conversation(b, cy["contact"]["id"].get<int64_t>())["id"].get<int64_t>();
  auto conv = [&](int64_t display) { return base + "/conversations/" + std::to_string(display); };
  call("POST", conv(c1) + "/labels", {{"labels", {"vip", "billing"}}}, admin);
  call("POST", conv(c2) + "/labels", {{"labels", {"billing"}}}, admin);
  call("POST", conv(c3) + "/labels", {{"labels", {"vipx"}}}, admin);
  call("POST", conv(c1) + "/messages",
       {{"content", "where is my parcel"}, {"message_type", "incoming"}}, admin);
  call("POST", conv(c2) + "/messages", {{"content", "Your PARCEL ships today"}}, admin);
  call("POST", conv(c3) + "/messages", {{"content", "parcel lost"}, {"message_type", "incoming"}},
       admin);
  call("POST", conv(c3) + "/toggle_status", {{"status", "resolved"}}, admin);
  // The resolve's activity message ("Conversation was marked resolved by Ada") is written
  // asynchronously: wait for it before asserting that q does not find it.
  CAF_REQUIRE(test::eventually([&] {
    return count("messages", "message_type = 2 AND content LIKE 'Conversation was marked "
                             "resolved%'")
           == "1";
  }));

  // labels[] (as the dashboard sends it, brackets literal or encoded): exactly the tagged.
  CAF_CHECK_EQUAL(listed("labels[]=vip"), ids{c1});
  CAF_CHECK_EQUAL(listed("labels%5B%5D=billing"), (ids{c1, c2}));
  CAF_CHECK_EQUAL(listed("labels[]=vi"), ids{});
  CAF_CHECK_EQUAL(listed("status=all&labels[]=vipx"), ids{c3});
  // Several labels[] (API.md: tagged_with(labels, any: true)): the conversations with any of
  // them, each once; the order of the values does not matter, /meta counts the same set.
  CAF_CHECK_EQUAL(listed("status=all&labels[]=vip&labels[]=vipx"), (ids{c1, c3}));
  CAF_CHECK_EQUAL(listed("status=all&labels[]=vipx&labels%5B%5D=vip"), (ids{c1, c3}));
  CAF_CHECK_EQUAL(listed("labels[]=vip&labels[]=vipx"), ids{c1}); // c3 is resolved
  CAF_CHECK_EQUAL(listed("status=all&labels[]=billing&labels[]=vip"), (ids{c1, c2}));
  CAF_CHECK_EQUAL(listed("status=all&labels[]=nothing&labels[]=vipx"), ids{c3});
  CAF_CHECK_EQUAL(listed("status=all&labels[]=vipx&labels[]=nothing"), ids{c3});
  for (const auto& [query, n] : std::vector<std::pair<std::string, int>>{
         {"status=all&labels[]=vip&labels[]=vipx", 2},
         {"status=all&labels[]=billing&labels[]=vip&labels[]=vipx", 3},
         {"labels[]=vipx&labels[]=billing", 2}}) {
    auto meta = call("GET", base + "/conversations/meta?" + query, nullptr, admin);
    CAF_CHECK_EQUAL(meta["meta"]["all_count"], n);
  }
  // q: the text of incoming and outgoing messages, case-insensitive, any status (Chatwoot
  // drops the status filter with q); activity messages are not searched.
  CAF_CHECK_EQUAL(listed("q=ships"), ids{c2});
  CAF_CHECK_EQUAL(listed("q=parcel"), (ids{c1, c2, c3}));
  CAF_CHECK_EQUAL(listed("q=marked%20resolved"), ids{});
  CAF_CHECK_EQUAL(listed("q=nothing%20like%20this"), ids{});
  // source_id: the conversations of that contact inbox.
  auto source = ann["contact_inbox"]["source_id"].get<std::string>();
  CAF_CHECK_EQUAL(listed("source_id=" + source), ids{c1});
  CAF_CHECK_EQUAL(
    listed("status=all&source_id=" + cy["contact_inbox"]["source_id"].get<std::string>()), ids{c3});
  CAF_CHECK_EQUAL(listed("source_id=unknown-source"), ids{});
  // inbox_id
  CAF_CHECK_EQUAL(listed("inbox_id=" + std::to_string(a)), (ids{c1, c2}));
  CAF_CHECK_EQUAL(listed("status=all&inbox_id=" + std::to_string(b)), ids{c3});
  CAF_CHECK_EQUAL(listed("inbox_id=" + std::to_string(b)), ids{}); // c3 is resolved
  // Filters combine.
  CAF_CHECK_EQUAL(listed("inbox_id=" + std::to_string(a) + "&labels[]=billing&q=ships"), ids{c2});
  CAF_CHECK_EQUAL(listed("status=all"), (ids{c1, c2, c3}));
}

CAF_TEST(contacts list labels select the contacts with any of them) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  auto id_of = [](const json& made) { return made["contact"]["id"].get<int64_t>(); };
  auto ann = id_of(make_contact("Ann", "ann@example.com", inbox));
  auto bob = id_of(make_contact("Bob", "bob@example.com", inbox));
  auto cy = id_of(make_contact("Cy", "cy@example.com", inbox));
  auto dee = id_of(make_contact("Dee", "dee@example.com", inbox)); // no labels
  auto contact = [&](int64_t id) { return base + "/contacts/" + std::to_string(id); };
  call("POST", contact(ann) + "/labels", {{"labels", {"vip", "billing"}}}, admin);
  call("POST", contact(bob) + "/labels", {{"labels", {"billing"}}}, admin);
  call("POST", contact(cy) + "/labels", {{"labels", {"lead"}}}, admin);
  auto contacts = [&](const std::string& query) {
    auto list = call("GET", base + "/contacts?" + query, nullptr, admin);
    ids found;
    for (const auto& c : list["payload"])
      found.insert(c["id"].get<int64_t>());
    CAF_CHECK_EQUAL(list["meta"]["count"].get<size_t>(), found.size());
    return found;
  };
  CAF_CHECK_EQUAL(contacts("labels[]=vip"), ids{ann});
  CAF_CHECK_EQUAL(contacts("labels[]=billing"), (ids{ann, bob}));
  CAF_CHECK_EQUAL(contacts("labels[]=vip&labels[]=lead"), (ids{ann, cy}));
  CAF_CHECK_EQUAL(contacts("labels%5B%5D=lead&labels%5B%5D=vip"), (ids{ann, cy}));
  CAF_CHECK_EQUAL(contacts("labels[]=billing&labels[]=vip"), (ids{ann, bob}));
  CAF_CHECK_EQUAL(contacts("labels[]=nothing&labels[]=lead"), ids{cy});
  CAF_CHECK_EQUAL(contacts("labels[]=lead&labels[]=nothing"), ids{cy});
  CAF_CHECK_EQUAL(contacts("labels[]=nothing"), ids{});
  CAF_CHECK_EQUAL(contacts(""), (ids{ann, bob, cy, dee}));
}

CAF_TEST_FIXTURE_SCOPE_END()
