#define CAF_SUITE persistence.client_queries
#include "persistence/queries/contacts.hpp"
#include "persistence/queries/inboxes.hpp"
#include "persistence/queries/public_api.hpp"

#include <caf/test/unit_test.hpp>

using namespace messenger::persistence;
using namespace messenger::persistence::queries;

namespace {

result_set rows_of(std::vector<std::string> columns, std::vector<std::vector<sql_value>> rows) {
  result_set rs;
  rs.columns = std::move(columns);
  rs.rows = std::move(rows);
  return rs;
}

sql_value v(const char* text) {
  return sql_value::of(text);
}

bool has(const std::string& sql, const std::string& part) {
  return sql.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(contact sort keys map to their ORDER BY and unknown keys are refused) {
  auto recent = contacts::sort_order_of("");
  CAF_REQUIRE(recent.has_value());
  CAF_CHECK(recent->key == contacts::sort_key::recent);
  auto by_name = contacts::sort_order_of("-name");
  CAF_REQUIRE(by_name.has_value());
  CAF_CHECK(by_name->key == contacts::sort_key::name);
  CAF_CHECK(by_name->descending);
  CAF_CHECK(!contacts::sort_order_of("password").has_value());
  CAF_CHECK(!contacts::sort_order_of("c.id; DROP TABLE contacts").has_value());

  contacts::page_request req;
  req.account_id = 4;
  req.page = 3;
  auto stmt = contacts::list(req);
  CAF_CHECK(has(stmt.sql, "ORDER BY c.last_activity_at DESC NULLS LAST, c.id DESC LIMIT 15"));
  CAF_REQUIRE_EQUAL(stmt.params.size(), 4u);
  CAF_CHECK_EQUAL(stmt.params[0].text, "4");
  CAF_CHECK_EQUAL(stmt.params[1].text, "true");
  CAF_CHECK(stmt.params[2].is_null); // no label filter
  CAF_CHECK_EQUAL(stmt.params[3].text, "30");

  req.order = *contacts::sort_order_of("city");
  req.labels = {"vip", "b2b"};
  stmt = contacts::list(req);
  CAF_CHECK(has(stmt.sql, "ORDER BY c.additional_attributes->>'city' ASC NULLS FIRST, c.id"));
  CAF_CHECK_EQUAL(stmt.params[2].text, R"({"vip","b2b"})");
  req.order = *by_name;
  CAF_CHECK(has(contacts::search(req, "ann").sql, "ORDER BY c.name DESC NULLS LAST, c.id"));
}

CAF_TEST(contact readers tell a missing contact from an empty answer) {
  auto page = contacts::read_list(rows_of({"contact", "total"}, {{v("{\"id\":1}"), v("31")}}));
  CAF_REQUIRE_EQUAL(page.contacts.size(), 1u);
  CAF_CHECK_EQUAL(page.contacts[0].json, "{\"id\":1}");
  CAF_CHECK_EQUAL(page.total, 31);
  CAF_CHECK_EQUAL(contacts::read_list(rows_of({"contact", "total"}, {})).total, 0);

  CAF_CHECK(!contacts::read_labels(rows_of({"found", "j"}, {{v("f"), v("[]")}})).has_value());
  auto labels = contacts::read_labels(rows_of({"found", "j"}, {{v("t"), v("[\"vip\"]")}}));
  CAF_REQUIRE(labels.has_value());
  CAF_CHECK_EQUAL(labels->json, "[\"vip\"]");

  auto cmd = contacts::set_labels(1, 9, {"vip", "b2b"});
  CAF_REQUIRE_EQUAL(cmd.statements.size(), 5u);
  CAF_CHECK_EQUAL(cmd.statements[1].params.at(0).text, "vip, b2b");
  write_result res;
  res.results.resize(5);
  res.results[0] = rows_of({"found"}, {{v("0")}});
  res.results[4] = rows_of({"j"}, {{v("[]")}});
  CAF_CHECK(!contacts::read_set_labels(res).has_value());
  res.results[0] = rows_of({"found"}, {{v("1")}});
  CAF_CHECK_EQUAL(contacts::read_set_labels(res).value_or(json_doc{"none"}).json, "[]");

  auto created = contacts::read_created(
    rows_of({"contact", "source_id", "pubsub_token", "inbox"},
            {{v("{}"), sql_value::null(), sql_value::null(), sql_value::null()}}));
  CAF_REQUIRE(created.has_value());
  CAF_CHECK(!created->source_id.has_value());

  write_result gone;
  gone.results.resize(5);
  CAF_CHECK(!contacts::read_destroyed(gone));
  gone.results[4] = rows_of({"id"}, {{v("9")}});
  CAF_CHECK(contacts::read_destroyed(gone));
}

CAF_TEST(inbox readers convert booleans and nulls and report membership changes) {
  auto rs = rows_of(
    {"id", "name", "channel_id", "channel_type", "enable_auto_assignment", "greeting_enabled",
     "greeting_message", "timezone", "lock_to_single_conversation", "webhook_url", "identifier",
     "hmac_token", "secret", "hmac_mandatory", "allowed"},
    {{v("3"), v("Support"), v("5"), v("Channel::Api"), v("f"), v("t"), sql_value::null(), v("UTC"),
      sql_value::null(), v("https://x"), v("abc"), v("tok"), v("sec"), v("t"), v("f")}});
  auto shown = inboxes::read_show(rs);
  CAF_REQUIRE(shown.has_value());
  CAF_CHECK(!shown->allowed);
  const auto& in = shown->inbox;
  CAF_CHECK_EQUAL(in.id, 3);
  CAF_CHECK_EQUAL(in.channel_id, 5);
  CAF_CHECK(!in.enable_auto_assignment);
  CAF_CHECK(in.greeting_enabled);
  CAF_CHECK(!in.greeting_message.has_value());
  CAF_CHECK(!in.lock_to_single_conversation);
  CAF_CHECK_EQUAL(in.webhook_url.value_or(""), "https://x");
  CAF_CHECK(in.hmac_mandatory);

  write_result res;
  res.results = {rows_of({"found"}, {{v("1")}}), rows_of({"user_id", "name"}, {{v("7"), v("Bo")}}),
                 rows_of({"user_id", "name"}, {{v("8"), v("Cy")}, {v("9"), v("Di")}}),
                 rows_of({"agent"}, {{v("{\"id\":8}")}, {v("{\"id\":9}")}})};
  auto changed = inboxes::read_replaced_members(res);
  CAF_REQUIRE(changed.has_value());
  CAF_REQUIRE_EQUAL(changed->removed.size(), 1u);
  CAF_CHECK_EQUAL(changed->removed[0].user_id, 7);
  CAF_CHECK_EQUAL(changed->removed[0].name, "Bo");
  CAF_REQUIRE_EQUAL(changed->added.size(), 2u);
  CAF_CHECK_EQUAL(changed->added[1].user_id, 9);
  CAF_CHECK_EQUAL(changed->members.size(), 2u);
  res.results[0] = rows_of({"found"}, {{v("0")}});
  CAF_CHECK(!inboxes::read_replaced_members(res).has_value());

  auto cmd = inboxes::change_members(1, 3, {7, 8}, true);
  CAF_REQUIRE_EQUAL(cmd.statements.size(), 3u);
  CAF_CHECK_EQUAL(cmd.statements[0].params.at(2).text, "{7,8}");
  write_result added;
  added.results = {rows_of({"user_id", "name", "inbox_found"}, {{v("8"), v("Cy"), v("1")}}),
                   rows_of({"found"}, {{v("1")}}), rows_of({"agent"}, {})};
  auto out = inboxes::read_changed_members(added, true);
  CAF_REQUIRE(out.has_value());
  CAF_CHECK_EQUAL(out->added.size(), 1u);
  CAF_CHECK(out->removed.empty());
}

CAF_TEST(client api readers skip the empty message row and read the public contact) {
  auto rs = rows_of({"id", "contact"}, {{sql_value::null(), sql_value::null()}});
  CAF_CHECK(public_api::message_rows(rs).empty());
  CAF_CHECK(!public_api::read_conversation_contact(rs).has_value());
  rs = rows_of({"id", "contact"}, {{v("4"), v("{\"id\":2}")}, {v("5"), v("{\"id\":2}")}});
  CAF_CHECK_EQUAL(public_api::message_rows(rs).size(), 2u);
  CAF_CHECK_EQUAL(public_api::read_conversation_contact(rs).value_or(json_doc{}).json,
                  "{\"id\":2}");

  auto contact = public_api::read_public_contact(rows_of(
    {"source_id", "pubsub_token", "id", "name", "email", "phone_number", "contact", "created"},
    {{v("s1"), v("p1"), v("12"), v(""), sql_value::null(), v("+123"), v("{}"), v("t")}}));
  CAF_REQUIRE(contact.has_value());
  CAF_CHECK_EQUAL(contact->id, 12);
  CAF_CHECK(!contact->email.has_value());
  CAF_CHECK_EQUAL(contact->phone_number.value_or(""), "+123");
  CAF_CHECK(contact->created);

  // The statements outlive the checks (CAF's check macros keep references to their operands).
  auto all = public_api::messages(3, std::nullopt);
  auto before = public_api::messages(3, int64_t{40});
  CAF_CHECK(all.params.at(1).is_null);
  CAF_CHECK_EQUAL(before.params.at(1).text, "40");
}
