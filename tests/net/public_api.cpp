#define CAF_SUITE net.public_api
#include "tests/support/api_node.hpp"

#include <caf/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

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
  auto list = call("GET", cbase + "/conversations", nullptr, "");
  CAF_REQUIRE_EQUAL(list.size(), 1u);
  auto listed = list[0];
  CAF_CHECK_EQUAL(listed["messages"].size(), 2u);
  CAF_CHECK_EQUAL(listed["messages"][0]["content_type"], "text");

  call("POST", vpath + "/toggle_typing", {{"typing_status", "on"}}, "");
  call("POST", vpath + "/toggle_typing", {{"typing_status", "maybe"}}, "", 422);
  call("POST", vpath + "/update_last_seen", json::object(), "");
  auto seen = call("GET", vpath, nullptr, "");
  CAF_CHECK(seen["contact_last_seen_at"].get<int64_t>() > 0);
  auto resolved = call("POST", vpath + "/toggle_status", json::object(), "");
  CAF_CHECK_EQUAL(resolved["status"], "resolved");
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
  auto ok = call("POST", base + "/contacts",
                 {{"identifier", "user-7"}, {"identifier_hash", hmac_hex(token, "user-7")}}, "");
  CAF_CHECK(ok["id"].is_number_integer());
  auto again = call("POST", base + "/contacts", {{"identifier", "user-7"}}, "");
  CAF_CHECK_EQUAL(again["id"], ok["id"]);
  call("POST", base + "/contacts", {{"email", "not-mail"}}, "", 422);
  call("POST", base + "/contacts", {{"custom_attributes", "x"}}, "", 422);
}

CAF_TEST_FIXTURE_SCOPE_END()
