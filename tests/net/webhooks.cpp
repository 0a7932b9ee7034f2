#define CAF_SUITE net.webhooks
#include "tests/support/api_node.hpp"
#include "tests/support/http_sink.hpp"

#include <caf/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

using namespace messenger;
using json = nlohmann::json;

namespace {

std::string sign(const std::string& key, const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length);
  std::string out = "sha256=";
  char buf[4];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", digest[i]);
    out += buf;
  }
  return out;
}

struct fixture : test::api_node {
  fixture() : test::api_node([](config::app_config& cfg) { cfg.webhook_retry_base_ms = 10; }) {
    // nop
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(webhook_tests, fixture)

CAF_TEST(account webhooks receive subscribed events signed and retried) {
  // The first attempt fails with 503: the delivery is retried with the same delivery id.
  test::http_sink sink{{503}};
  auto hook = call("POST", "/api/v1/accounts/1/webhooks",
                   {{"url", sink.url("/hook")}, {"subscriptions", {"message_created"}}},
                   admin)["payload"]["webhook"];
  auto secret = hook["secret"].get<std::string>();
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto conv = make_conversation(inbox, contact)["id"].get<int64_t>();
  auto path = "/api/v1/accounts/1/conversations/" + std::to_string(conv) + "/messages";
  call("POST", path, {{"content", "hello from the api"}}, admin);
  CAF_REQUIRE(sink.wait_for(2));
  auto got = sink.received();
  CAF_CHECK_EQUAL(got[0].target, "/hook");
  CAF_CHECK_EQUAL(got[0].headers["x-chatwoot-delivery"], got[1].headers["x-chatwoot-delivery"]);
  auto body = json::parse(got[1].body);
  CAF_CHECK_EQUAL(body["event"], "message_created");
  CAF_CHECK_EQUAL(body["content"], "hello from the api");
  CAF_CHECK_EQUAL(body["message_type"], "outgoing");
  CAF_CHECK_EQUAL(body["account"]["id"], 1);
  CAF_CHECK_EQUAL(body["conversation"]["id"], conv);
  CAF_CHECK(body["created_at"].get<std::string>().find('T') != std::string::npos);
  auto ts = got[1].headers["x-chatwoot-timestamp"];
  CAF_CHECK_EQUAL(got[1].headers["x-chatwoot-signature"], sign(secret, ts + "." + got[1].body));
  // Only subscribed events: the conversation events of this scenario were not sent.
  for (const auto& r : got) {
    auto ev = json::parse(r.body)["event"];
    CAF_CHECK_EQUAL(ev, "message_created");
  }
}

CAF_TEST(api inbox webhook url receives the inbox events) {
  test::http_sink sink;
  auto inbox
    = call("POST", "/api/v1/accounts/1/inboxes",
           {{"name", "Bot"}, {"channel", {{"type", "api"}, {"webhook_url", sink.url("/in")}}}},
           admin)["id"]
        .get<int64_t>();
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto conv = make_conversation(inbox, contact)["id"].get<int64_t>();
  call("POST", "/api/v1/accounts/1/conversations/" + std::to_string(conv) + "/messages",
       {{"content", "agent reply"}}, admin);
  // conversation_created and message_created arrive (among the inbox's other events).
  bool created = false;
  bool message = false;
  for (size_t n = 1; n <= 10 && !(created && message) && sink.wait_for(n); ++n) {
    auto r = sink.received()[n - 1];
    auto body = json::parse(r.body);
    created = created || body["event"] == "conversation_created";
    message = message || (body["event"] == "message_created" && body["content"] == "agent reply");
    CAF_CHECK(!r.headers.count("x-chatwoot-signature"));
  }
  CAF_CHECK(created);
  CAF_CHECK(message);
}

CAF_TEST_FIXTURE_SCOPE_END()
