#define CAF_SUITE net.public_api
#include "tests/support/api_node.hpp"

#include <caf/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <regex>
#include <set>

using namespace messenger;
using json = nlohmann::json;

namespace {

std::string hmac_hex(const std::string& key, const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length);
  std::string out;
  char buf[4];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", digest[i]);
    out += buf;
  }
  return out;
}

/// A Time as Rails renders it in JSON: ISO-8601 UTC with milliseconds and "Z".
bool is_iso_utc(const json& v) {
  static const std::regex iso{R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"};
  return v.is_string() && std::regex_match(v.get<std::string>(), iso);
}

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items())
    out.insert(key);
  return out;
}

/// Contact#push_event_data's keys: a contact sender of a message.
const std::set<std::string> contact_push_keys{
  "additional_attributes", "custom_attributes", "email",   "id",  "identifier", "name",
  "phone_number",          "thumbnail",         "blocked", "type"};

/// The raw contact record (`json.contact resource.contact`) as Rails serialises it: the enum
/// by name, Times as ISO-8601 with "Z".
void check_contact_record(const json& contact) {
  CAF_CHECK_EQUAL(contact["contact_type"], "visitor");
  CAF_CHECK(is_iso_utc(contact["created_at"]));
  CAF_CHECK(is_iso_utc(contact["updated_at"]));
  CAF_CHECK(contact["last_activity_at"].is_null() || is_iso_utc(contact["last_activity_at"]));
}

struct fixture : test::api_node {
  json inbox;
  std::string base;

  fixture() {
    inbox = make_inbox("Widget");
    base = "/public/api/v1/inboxes/" + inbox["inbox_identifier"].get<std::string>();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(public_api_tests, fixture)

CAF_TEST(a contact talks through the client api) {
  auto shown = call("GET", base, nullptr, "");
  CAF_CHECK_EQUAL(shown["name"], "Widget");
  CAF_CHECK_EQUAL(shown["identity_validation_enabled"], false);
  call("GET", "/public/api/v1/inboxes/nope", nullptr, "", 404);

  auto contact = call("POST", base + "/contacts", {{"name", "Jane"}, {"email", "jane@x.test"}}, "");
  auto source = contact["source_id"].get<std::string>();
  CAF_CHECK(!source.empty());
  CAF_CHECK(!contact["pubsub_token"].get<std::string>().empty());
  CAF_CHECK_EQUAL(contact["email"], "jane@x.test");
  // The same email in another call finds the contact (new contact_inbox, same contact).
  auto again = call("POST", base + "/contacts", {{"email", "JANE@x.test"}}, "");
  CAF_CHECK_EQUAL(again["id"], contact["id"]);
  // An existing source_id is returned as is.
  auto same = call("POST", base + "/contacts", {{"source_id", source}}, "");
  CAF_CHECK_EQUAL(same["source_id"], source);
  CAF_CHECK_EQUAL(same["pubsub_token"], contact["pubsub_token"]);
  auto cbase = base + "/contacts/" + source;
  auto fetched = call("GET", cbase, nullptr, "");
  CAF_CHECK_EQUAL(fetched["name"], "Jane");
  auto patched = call("PATCH", cbase, {{"name", "Jane Roe"}}, "");
  CAF_CHECK_EQUAL(patched["name"], "Jane Roe");
  call("GET", base + "/contacts/unknown", nullptr, "", 404);

  auto conv
    = call("POST", cbase + "/conversations", {{"custom_attributes", {{"plan", "pro"}}}}, "");
  auto display = conv["id"].get<int64_t>();
  CAF_CHECK_EQUAL(conv["status"], "open");
  CAF_CHECK_EQUAL(conv["contact"]["id"], contact["id"]);
  check_contact_record(conv["contact"]);
  auto vpath = cbase + "/conversations/" + std::to_string(display);
  auto m1 = call("POST", vpath + "/messages", {{"content", "hello"}, {"echo_id", "e-1"}}, "");
  CAF_CHECK_EQUAL(m1["message_type"], 0);
  CAF_CHECK_EQUAL(m1["content"], "hello");
  auto retry = call("POST", vpath + "/messages", {{"content", "hello"}, {"echo_id", "e-1"}}, "");
  CAF_CHECK_EQUAL(retry["id"], m1["id"]);
  // An agent reply and a private note: the contact sees the reply only.
  auto app = "/api/v1/accounts/1/conversations/" + std::to_string(display);
  call("POST", app + "/messages", {{"content", "hi, how can I help?"}}, admin);
  call("POST", app + "/messages", {{"content", "internal"}, {"private", true}}, admin);
  auto messages = call("GET", vpath + "/messages", nullptr, "");
  CAF_REQUIRE_EQUAL(messages.size(), 2u);
  auto reply = messages[1];
  CAF_CHECK_EQUAL(reply["content"], "hi, how can I help?");
  CAF_CHECK_EQUAL(reply["message_type"], 1);
  CAF_CHECK(!reply.contains("private"));
  CAF_CHECK_EQUAL(reply["sender"]["type"], "user");
  CAF_CHECK_EQUAL(messages[0]["sender"]["type"], "contact");
  // A contact sender is Contact#push_event_data, not the contact partial.
  CAF_CHECK_EQUAL(keys_of(messages[0]["sender"]), contact_push_keys);
  CAF_CHECK_EQUAL(messages[0]["sender"]["id"], contact["id"]);
  CAF_CHECK_EQUAL(messages[0]["sender"]["email"], "jane@x.test");
  auto list = call("GET", cbase + "/conversations", nullptr, "");
  CAF_REQUIRE_EQUAL(list.size(), 1u);
  auto listed = list[0];
  CAF_CHECK_EQUAL(listed["messages"].size(), 2u);
  CAF_CHECK_EQUAL(listed["messages"][0]["content_type"], "text");
  check_contact_record(listed["contact"]);
  auto one = call("GET", vpath, nullptr, "");
  check_contact_record(one["contact"]);
  CAF_REQUIRE_EQUAL(one["messages"].size(), 2u);
  CAF_CHECK_EQUAL(keys_of(one["messages"][0]["sender"]), contact_push_keys);
  // The stored instants, to the millisecond.
  db.scalar("UPDATE contacts SET created_at = '2023-03-04 05:06:07.891234', contact_type = 2, "
            "last_activity_at = '2023-03-05 00:00:00' WHERE id = "
            + std::to_string(contact["id"].get<int64_t>()));
  auto moved = call("GET", vpath, nullptr, "")["contact"];
  CAF_CHECK_EQUAL(moved["created_at"], "2023-03-04T05:06:07.891Z");
  CAF_CHECK_EQUAL(moved["last_activity_at"], "2023-03-05T00:00:00.000Z");
  CAF_CHECK_EQUAL(moved["contact_type"], "customer");
  db.scalar("UPDATE contacts SET contact_type = 0 WHERE id = "
            + std::to_string(contact["id"].get<int64_t>()));

  call("POST", vpath + "/toggle_typing", {{"typing_status", "on"}}, "");
  call("POST", vpath + "/toggle_typing", {{"typing_status", "maybe"}}, "", 422);
  call("POST", vpath + "/update_last_seen", json::object(), "");
  auto seen = call("GET", vpath, nullptr, "");
  CAF_CHECK(seen["contact_last_seen_at"].get<int64_t>() > 0);
  auto resolved = call("POST", vpath + "/toggle_status", json::object(), "");
  CAF_CHECK_EQUAL(resolved["status"], "resolved");
  check_contact_record(resolved["contact"]);
  auto still = call("POST", vpath + "/toggle_status", json::object(), "");
  CAF_CHECK_EQUAL(still["status"], "resolved");
  // Another contact cannot reach this conversation.
  auto other = call("POST", base + "/contacts", {{"name", "Eve"}}, "");
  call("GET",
       base + "/contacts/" + other["source_id"].get<std::string>() + "/conversations/"
         + std::to_string(display),
       nullptr, "", 404);
}

CAF_TEST(identity validation with hmac) {
  auto token = inbox["hmac_token"].get<std::string>();
  call("POST", base + "/contacts", {{"identifier", "user-7"}, {"identifier_hash", "bad"}}, "", 401);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM contacts"), "0");
  auto ok = call("POST", base + "/contacts",
                 {{"identifier", "user-7"}, {"identifier_hash", hmac_hex(token, "user-7")}}, "");
  CAF_CHECK(ok["id"].is_number_integer());
  auto again = call("POST", base + "/contacts", {{"identifier", "user-7"}}, "");
  CAF_CHECK_EQUAL(again["id"], ok["id"]);
  call("POST", base + "/contacts", {{"email", "not-mail"}}, "", 422);
  call("POST", base + "/contacts", {{"custom_attributes", "x"}}, "", 422);
}

CAF_TEST(a contact update with an identifier hash is checked) {
  auto token = inbox["hmac_token"].get<std::string>();
  auto made = call("POST", base + "/contacts", {{"name", "Jane"}}, "");
  auto path = base + "/contacts/" + made["source_id"].get<std::string>();
  auto id = std::to_string(made["id"].get<int64_t>());
  auto state = [&] {
    return db.scalar("SELECT c.name || '|' || coalesce(c.identifier, '-') || '|' || "
                     "ci.hmac_verified FROM contacts c JOIN contact_inboxes ci ON ci.contact_id "
                     "= c.id WHERE c.id = "
                     + id);
  };
  CAF_CHECK_EQUAL(state(), "Jane|-|false");
  // A wrong hash: refused with Chatwoot's message, nothing changed, not verified.
  auto refused = call(
    "PATCH", path, {{"name", "Mallory"}, {"identifier", "user-9"}, {"identifier_hash", "0123abcd"}},
    "", 401);
  CAF_CHECK_EQUAL(refused["error"], "HMAC failed: Invalid Identifier Hash Provided");
  // The hash of another identifier is as wrong.
  call(
    "PATCH", path,
    {{"name", "Mallory"}, {"identifier", "user-9"}, {"identifier_hash", hmac_hex(token, "user-8")}},
    "", 401);
  // A hash without its identifier neither.
  call("PATCH", path, {{"name", "Mallory"}, {"identifier_hash", hmac_hex(token, "user-9")}}, "",
       401);
  CAF_CHECK_EQUAL(state(), "Jane|-|false");
  // The right hash: updated and the contact inbox verified; `identifier` only feeds the check.
  auto ok = call("PATCH", path,
                 {{"name", "Jane Doe"},
                  {"identifier", "user-9"},
                  {"identifier_hash", hmac_hex(token, "user-9")}},
                 "");
  CAF_CHECK_EQUAL(ok["name"], "Jane Doe");
  CAF_CHECK_EQUAL(state(), "Jane Doe|-|true");
  // Without a hash on an inbox that does not require one: updated, still verified.
  call("PATCH", path, {{"name", "Jane Roe"}}, "");
  CAF_CHECK_EQUAL(state(), "Jane Roe|-|true");
}

CAF_TEST(an hmac mandatory inbox refuses requests without a valid hash) {
  auto token = inbox["hmac_token"].get<std::string>();
  auto earlier = call("POST", base + "/contacts", {{"name", "Early"}}, "");
  auto earlier_path = base + "/contacts/" + earlier["source_id"].get<std::string>();
  call("PATCH", "/api/v1/accounts/1/inboxes/" + std::to_string(inbox["id"].get<int64_t>()),
       {{"channel", {{"hmac_mandatory", true}}}}, admin);
  auto shown = call("GET", base, nullptr, "");
  CAF_CHECK_EQUAL(shown["identity_validation_enabled"], true);
  auto counts = [&] {
    return db.scalar("SELECT (SELECT count(*) FROM contacts) || '/' || (SELECT count(*) FROM "
                     "contact_inboxes)");
  };
  CAF_CHECK_EQUAL(counts(), "1/1");
  // Creating a contact: no hash, a wrong hash, a hash without identifier.
  for (const auto& body : {json{{"name", "Nora"}, {"email", "nora@x.test"}},
                           json{{"name", "Nora"}, {"identifier", "nora"}, {"identifier_hash", "x"}},
                           json{{"name", "Nora"}, {"identifier_hash", hmac_hex(token, "nora")}}}) {
    auto refused = call("POST", base + "/contacts", body, "", 401);
    CAF_CHECK_EQUAL(refused["error"], "HMAC failed: Invalid Identifier Hash Provided");
  }
  CAF_CHECK_EQUAL(counts(), "1/1");
  // Updating the contact made before: no hash, a wrong hash.
  call("PATCH", earlier_path, {{"name", "Changed"}}, "", 401);
  call("PATCH", earlier_path,
       {{"name", "Changed"}, {"identifier", "early"}, {"identifier_hash", hmac_hex(token, "x")}},
       "", 401);
  CAF_CHECK_EQUAL(db.scalar("SELECT name FROM contacts WHERE id = "
                            + std::to_string(earlier["id"].get<int64_t>())),
                  "Early");
  // With the right hash both go through.
  auto nora = call(
    "POST", base + "/contacts",
    {{"name", "Nora"}, {"identifier", "nora"}, {"identifier_hash", hmac_hex(token, "nora")}}, "");
  CAF_CHECK_EQUAL(nora["name"], "Nora");
  CAF_CHECK_EQUAL(db.scalar("SELECT identifier FROM contacts WHERE id = "
                            + std::to_string(nora["id"].get<int64_t>())),
                  "nora");
  call(
    "PATCH", earlier_path,
    {{"name", "Changed"}, {"identifier", "early"}, {"identifier_hash", hmac_hex(token, "early")}},
    "");
  CAF_CHECK_EQUAL(db.scalar("SELECT c.name || '|' || ci.hmac_verified FROM contacts c JOIN "
                            "contact_inboxes ci ON ci.contact_id = c.id WHERE c.id = "
                            + std::to_string(earlier["id"].get<int64_t>())),
                  "Changed|true");
  CAF_CHECK_EQUAL(counts(), "2/2");
}

CAF_TEST(messages are paged with before) {
  auto made = call("POST", base + "/contacts", {{"name", "Jane"}}, "");
  auto cbase = base + "/contacts/" + made["source_id"].get<std::string>();
  auto display = call("POST", cbase + "/conversations", json::object(), "")["id"].get<int64_t>();
  auto vpath = cbase + "/conversations/" + std::to_string(display);
  auto app = "/api/v1/accounts/1/conversations/" + std::to_string(display);
  // 25 public messages (the contact's and one agent reply), two private notes among them.
  std::vector<int64_t> ids;
  for (int i = 0; i < 25; ++i) {
    if (i == 12) {
      ids.push_back(
        call("POST", app + "/messages", {{"content", "reply"}}, admin)["id"].get<int64_t>());
      call("POST", app + "/messages", {{"content", "note"}, {"private", true}}, admin);
      continue;
    }
    ids.push_back(
      call("POST", vpath + "/messages", {{"content", "m" + std::to_string(i)}}, "")["id"]
        .get<int64_t>());
  }
  call("POST", app + "/messages", {{"content", "last note"}, {"private", true}}, admin);
  auto ids_of = [](const json& list) {
    std::vector<int64_t> out;
    for (const auto& m : list)
      out.push_back(m["id"].get<int64_t>());
    return out;
  };
  auto range = [&](size_t from, size_t to) {
    return std::vector<int64_t>(ids.begin() + static_cast<std::ptrdiff_t>(from),
                                ids.begin() + static_cast<std::ptrdiff_t>(to));
  };
  // The newest 20, oldest first; private notes left out.
  auto latest = call("GET", vpath + "/messages", nullptr, "");
  CAF_CHECK_EQUAL(ids_of(latest), range(5, 25));
  for (const auto& m : latest)
    CAF_CHECK(m["content"] != "note" && m["content"] != "last note");
  // The page before the oldest one shown: the 5 before it.
  auto older = call("GET", vpath + "/messages?before=" + std::to_string(ids[5]), nullptr, "");
  CAF_CHECK_EQUAL(ids_of(older), range(0, 5));
  CAF_CHECK_EQUAL(older[0]["content"], "m0");
  // before is exclusive, and a page holds 20 at most.
  auto middle = call("GET", vpath + "/messages?before=" + std::to_string(ids[24]), nullptr, "");
  CAF_CHECK_EQUAL(ids_of(middle), range(4, 24));
  CAF_CHECK_EQUAL(
    call("GET", vpath + "/messages?before=" + std::to_string(ids[0]), nullptr, "").size(), 0u);
  call("GET", vpath + "/messages?before=abc", nullptr, "", 422);
}

CAF_TEST_FIXTURE_SCOPE_END()
