#define CAF_SUITE net.webhooks
#include "net/webhooks.hpp"

#include "actors/persistence.hpp"
#include "actors/system_config.hpp"
#include "tests/support/api_node.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_sink.hpp"

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <thread>

using namespace messenger;
using json = nlohmann::json;
using request = test::http_sink::request;
using requests = std::vector<request>;

namespace {

const std::vector<std::string> all_events{"conversation_status_changed",
                                          "conversation_updated",
                                          "conversation_created",
                                          "contact_created",
                                          "contact_updated",
                                          "message_created",
                                          "message_updated",
                                          "conversation_typing_on",
                                          "conversation_typing_off"};

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

json body_of(const request& r) {
  return json::parse(r.body);
}

/// A string field of a request's body ("" when absent).
std::string field_of(const request& r, const char* key) {
  return body_of(r).value(key, "");
}

/// The delivered bodies with this event name.
std::vector<json> events_named(const requests& rs, const std::string& name) {
  std::vector<json> out;
  for (const auto& r : rs)
    if (auto body = body_of(r); body["event"] == name)
      out.push_back(std::move(body));
  return out;
}

/// True once a message_created (or another `event`) with this content arrived.
std::function<bool(const requests&)> has_message(const std::string& content,
                                                 const std::string& event = "message_created") {
  return [=](const requests& rs) {
    for (const auto& body : events_named(rs, event))
      if (body.value("content", "") == content)
        return true;
    return false;
  };
}

std::function<bool(const requests&)> has_event(const std::string& event) {
  return [=](const requests& rs) { return !events_named(rs, event).empty(); };
}

std::vector<std::string> contents_of(const requests& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs)
    out.push_back(body_of(r).value("content", ""));
  return out;
}

struct fixture : test::api_node {
  explicit fixture(std::function<void(config::app_config&)> more = {})
      : test::api_node([more](config::app_config& cfg) {
          cfg.webhook_retry_base_ms = 10;
          if (more)
            more(cfg);
        }) {
    // nop
  }

  json add_webhook(const std::string& url, const std::vector<std::string>& subscriptions,
                   int64_t inbox = 0) {
    json body{{"url", url}, {"subscriptions", subscriptions}};
    if (inbox != 0)
      body["inbox_id"] = inbox;
    return call("POST", "/api/v1/accounts/1/webhooks", body, admin)["payload"]["webhook"];
  }

  /// A conversation of a new contact in `inbox`; its display id.
  int64_t conversation_in(int64_t inbox, const std::string& email = "jane@example.com") {
    auto contact = make_contact("Jane", email, inbox)["contact"]["id"].get<int64_t>();
    return make_conversation(inbox, contact)["id"].get<int64_t>();
  }

  static std::string path_of(int64_t conv, const std::string& tail = "") {
    return "/api/v1/accounts/1/conversations/" + std::to_string(conv) + tail;
  }

  json post_message(int64_t conv, const std::string& content) {
    return call("POST", path_of(conv, "/messages"), {{"content", content}}, admin);
  }
};

/// Attempts time out after 200 ms.
struct short_timeout_fixture : fixture {
  short_timeout_fixture() : fixture([](config::app_config& cfg) { cfg.webhook_timeout_ms = 200; }) {
    // nop
  }
};

/// Attempts may take a minute; at most two deliveries wait.
struct slow_receiver_fixture : fixture {
  slow_receiver_fixture()
      : fixture([](config::app_config& cfg) {
          cfg.webhook_timeout_ms = 60000;
          cfg.webhook_queue_limit = 2;
        }) {
    // nop
  }
};

/// A webhook actor of the test's own (next to the node), fed with events by the test, so its
/// counters can be read between events: {delivered, queued, dropped}.
struct webhook_actor_fixture : fixture {
  actors::system_config actor_cfg;
  caf::actor_system sys{actor_cfg};
  caf::scoped_actor self{sys};
  actors::reader_actor reader;
  caf::actor hooks;

  void start(net::webhook_options opts) {
    actors::persistence_options popts;
    popts.database_url = db.url();
    reader = actors::spawn_reader(sys, popts);
    hooks = caf::actor_cast<caf::actor>(net::spawn_webhooks(sys, reader, opts));
  }

  ~webhook_actor_fixture() {
    if (hooks)
      self->send_exit(hooks, caf::exit_reason::user_shutdown);
    if (reader)
      self->send_exit(reader, caf::exit_reason::user_shutdown);
  }

  /// A message_created event of account 1 with this content.
  void send_message_event(const std::string& content) {
    actors::domain_event ev;
    ev.kind = domain::event_kind::message_created;
    ev.account_id = 1;
    ev.inbox_id = 1;
    ev.display_id = 1;
    ev.message.id = 1;
    ev.message.content = content;
    ev.message.message_type = 1;
    self->send(hooks, actors::event_atom_v, std::move(ev));
  }

  std::vector<int64_t> stats() {
    std::vector<int64_t> out;
    self->request(hooks, std::chrono::seconds{30}, actors::stats_atom_v)
      .receive([&](std::vector<int64_t>& s) { out = std::move(s); },
               [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return out;
  }

  /// Polls the counters (with a short pause between polls) until `done` holds them; the last
  /// counters read.
  std::vector<int64_t> stats_until(std::function<bool(const std::vector<int64_t>&)> done) {
    std::vector<int64_t> s;
    test::eventually(
      [&] {
        s = stats();
        return done(s);
      },
      std::chrono::seconds{20});
    return s;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(webhook_tests, fixture)

CAF_TEST(account webhooks receive subscribed events signed and retried) {
  // The first attempt fails with 503: the delivery is retried with the same delivery id.
  test::http_sink sink{{503}};
  auto hook = add_webhook(sink.url("/hook"), {"message_created"});
  auto secret = hook["secret"].get<std::string>();
  auto conv = conversation_in(make_inbox("Support")["id"].get<int64_t>());
  post_message(conv, "hello from the api");
  CAF_REQUIRE(sink.wait_for(2));
  auto got = sink.received();
  CAF_CHECK_EQUAL(got[0].target, "/hook");
  CAF_CHECK_EQUAL(got[0].answer, 503);
  CAF_CHECK(!got[0].headers["x-chatwoot-delivery"].empty());
  CAF_CHECK_EQUAL(got[0].headers["x-chatwoot-delivery"], got[1].headers["x-chatwoot-delivery"]);
  CAF_CHECK_EQUAL(got[0].body, got[1].body);
  auto body = json::parse(got[1].body);
  CAF_REQUIRE_EQUAL(body["event"], "message_created");
  CAF_CHECK_EQUAL(body["content"], "hello from the api");
  CAF_CHECK_EQUAL(body["message_type"], "outgoing");
  CAF_CHECK_EQUAL(body["account"]["id"], 1);
  CAF_CHECK_EQUAL(body["conversation"]["id"], conv);
  CAF_CHECK(body["created_at"].get<std::string>().find('T') != std::string::npos);
  auto ts = got[1].headers["x-chatwoot-timestamp"];
  CAF_CHECK_EQUAL(got[1].headers["x-chatwoot-signature"], sign(secret, ts + "." + got[1].body));
}

CAF_TEST(account webhooks receive only their subscribed events of their inbox) {
  test::http_sink sink;
  test::http_sink other_inbox_sink;
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  auto other_inbox = make_inbox("Sales")["id"].get<int64_t>();
  add_webhook(sink.url("/messages"), {"message_created"});
  add_webhook(other_inbox_sink.url("/sales"), {"message_created"}, other_inbox);
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto conv = make_conversation(inbox, contact)["id"].get<int64_t>();
  post_message(conv, "first");
  // Events of every other kind: contact, typing, status, labels, message update.
  call("PUT", "/api/v1/accounts/1/contacts/" + std::to_string(contact), {{"name", "Jane Doe"}},
       admin);
  call("POST", path_of(conv, "/toggle_typing_status"), {{"typing_status", "on"}}, admin);
  call("POST", path_of(conv, "/toggle_status"), {{"status", "resolved"}}, admin);
  call("POST", path_of(conv, "/labels"), {{"labels", {"vip"}}}, admin);
  auto doomed = post_message(conv, "doomed")["id"].get<int64_t>();
  call("DELETE", path_of(conv, "/messages/" + std::to_string(doomed)), nullptr, admin);
  // The sentinel, a later subscribed event on both streams: a message in the other inbox.
  post_message(conversation_in(other_inbox, "sam@example.com"), "sentinel");
  CAF_REQUIRE(sink.wait_until(has_message("sentinel")));
  CAF_REQUIRE(other_inbox_sink.wait_until(has_message("sentinel")));
  auto got = sink.received();
  for (const auto& r : got)
    CAF_CHECK_EQUAL(field_of(r, "event"), "message_created");
  CAF_CHECK_EQUAL(contents_of(got), (std::vector<std::string>{"first", "doomed", "sentinel"}));
  // The webhook bound to the other inbox saw nothing of the first one.
  CAF_CHECK_EQUAL(contents_of(other_inbox_sink.received()), std::vector<std::string>{"sentinel"});
}

CAF_TEST(a delivery answered 429 is retried with the same delivery id and body) {
  test::http_sink sink{{429, 429}};
  add_webhook(sink.url("/hook"), {"message_created"});
  post_message(conversation_in(make_inbox("Support")["id"].get<int64_t>()), "rate limited");
  CAF_REQUIRE(sink.wait_for(3));
  auto got = sink.received();
  CAF_CHECK_EQUAL(got[0].answer, 429);
  CAF_CHECK_EQUAL(got[1].answer, 429);
  CAF_CHECK_EQUAL(got[2].answer, 200);
  for (const auto& r : got) {
    CAF_CHECK_EQUAL(r.headers.at("x-chatwoot-delivery"), got[0].headers.at("x-chatwoot-delivery"));
    CAF_CHECK_EQUAL(r.body, got[0].body);
  }
  CAF_CHECK_EQUAL(field_of(got[2], "content"), "rate limited");
}

CAF_TEST(a delivery that meets network errors is retried until the receiver is back) {
  // The receiver resets the first two connections without answering.
  test::http_sink sink{{test::http_sink::reset, test::http_sink::reset}};
  add_webhook(sink.url("/hook"), {"message_created"});
  post_message(conversation_in(make_inbox("Support")["id"].get<int64_t>()), "unlucky");
  CAF_REQUIRE(sink.wait_for(3));
  auto got = sink.received();
  CAF_CHECK_EQUAL(got[0].answer, test::http_sink::reset);
  CAF_CHECK_EQUAL(got[1].answer, test::http_sink::reset);
  CAF_CHECK_EQUAL(got[2].answer, 200);
  for (const auto& r : got)
    CAF_CHECK_EQUAL(r.headers.at("x-chatwoot-delivery"), got[0].headers.at("x-chatwoot-delivery"));
  CAF_CHECK_EQUAL(field_of(got[2], "content"), "unlucky");
}

CAF_TEST(every webhook event kind is delivered with its payload) {
  test::http_sink sink;
  add_webhook(sink.url("/all"), all_events);
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto conv = make_conversation(inbox, contact)["id"].get<int64_t>();
  auto msg = post_message(conv, "hello")["id"].get<int64_t>();
  call("PUT", "/api/v1/accounts/1/contacts/" + std::to_string(contact), {{"name", "Jane Doe"}},
       admin);
  call("POST", path_of(conv, "/toggle_typing_status"), {{"typing_status", "on"}}, admin);
  call("POST", path_of(conv, "/toggle_typing_status"), {{"typing_status", "off"}}, admin);
  call("POST", path_of(conv, "/toggle_status"), {{"status", "resolved"}}, admin);
  call("POST", path_of(conv, "/labels"), {{"labels", {"vip"}}}, admin);
  call("DELETE", path_of(conv, "/messages/" + std::to_string(msg)), nullptr, admin);
  CAF_REQUIRE(sink.wait_until(has_event("message_updated")));
  auto got = sink.received();
  for (const auto& name : all_events) {
    CAF_MESSAGE("event " << name);
    auto bodies = events_named(got, name);
    CAF_REQUIRE(!bodies.empty());
    for (const auto& body : bodies)
      CAF_CHECK_EQUAL(body["account"]["id"], 1);
  }
  auto created = events_named(got, "contact_created").at(0);
  CAF_CHECK_EQUAL(created["id"], contact);
  CAF_CHECK_EQUAL(created["name"], "Jane");
  CAF_CHECK_EQUAL(created["email"], "jane@example.com");
  CAF_CHECK_EQUAL(created["type"], "contact");
  auto updated = events_named(got, "contact_updated").at(0);
  CAF_CHECK_EQUAL(updated["id"], contact);
  CAF_CHECK_EQUAL(updated["name"], "Jane Doe");
  auto opened = events_named(got, "conversation_created").at(0);
  CAF_CHECK_EQUAL(opened["id"], conv);
  CAF_CHECK_EQUAL(opened["inbox_id"], inbox);
  CAF_CHECK_EQUAL(opened["status"], "open");
  auto message = events_named(got, "message_created").at(0);
  CAF_CHECK_EQUAL(message["id"], msg);
  CAF_CHECK_EQUAL(message["content"], "hello");
  CAF_CHECK_EQUAL(message["conversation"]["id"], conv);
  CAF_CHECK_EQUAL(message["sender"], json({{"id", admin_id}, {"name", "Ada"}, {"type", "user"}}));
  for (auto name : {"conversation_typing_on", "conversation_typing_off"}) {
    auto typing = events_named(got, name).at(0);
    CAF_CHECK_EQUAL(typing["conversation"]["id"], conv);
    CAF_CHECK_EQUAL(typing["is_private"], false);
    CAF_CHECK_EQUAL(typing["user"], json({{"id", admin_id}, {"name", "Ada"}, {"type", "user"}}));
  }
  auto status = events_named(got, "conversation_status_changed").at(0);
  CAF_CHECK_EQUAL(status["id"], conv);
  CAF_CHECK_EQUAL(status["status"], "resolved");
  bool labelled = false;
  for (const auto& body : events_named(got, "conversation_updated"))
    labelled = labelled
               || (body["id"] == conv && body["labels"] == json::array({"vip"})
                   && body["status"] == "resolved");
  CAF_CHECK(labelled);
  auto edited = events_named(got, "message_updated").at(0);
  CAF_CHECK_EQUAL(edited["id"], msg);
  CAF_CHECK_EQUAL(edited["content"], "This message was deleted");
  CAF_CHECK_EQUAL(edited["content_attributes"]["deleted"], true);
  CAF_CHECK_EQUAL(edited["conversation"]["id"], conv);
}

CAF_TEST(api inbox webhook url receives the inbox events) {
  test::http_sink sink;
  auto inbox
    = call("POST", "/api/v1/accounts/1/inboxes",
           {{"name", "Bot"}, {"channel", {{"type", "api"}, {"webhook_url", sink.url("/in")}}}},
           admin)["id"]
        .get<int64_t>();
  auto conv = conversation_in(inbox);
  post_message(conv, "agent reply");
  call("POST", path_of(conv, "/toggle_typing_status"), {{"typing_status", "on"}}, admin);
  call("POST", path_of(conv, "/toggle_typing_status"), {{"typing_status", "off"}}, admin);
  CAF_REQUIRE(sink.wait_until(has_event("conversation_typing_off")));
  auto got = sink.received();
  CAF_CHECK_EQUAL(events_named(got, "conversation_created").size(), 1u);
  CAF_CHECK(has_message("agent reply")(got));
  CAF_CHECK_EQUAL(events_named(got, "conversation_typing_on").size(), 1u);
  for (const auto& r : got) {
    CAF_CHECK_EQUAL(r.target, "/in");
    CAF_CHECK(!r.headers.count("x-chatwoot-signature"));
    // Contact events are not inbox events.
    CAF_CHECK(field_of(r, "event").rfind("contact_", 0) == std::string::npos);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(webhook_timeout_tests, short_timeout_fixture)

CAF_TEST(an attempt the receiver never answers is abandoned at the timeout and retried) {
  test::http_sink sink{{test::http_sink::hold}};
  add_webhook(sink.url("/hook"), {"message_created"});
  post_message(conversation_in(make_inbox("Support")["id"].get<int64_t>()), "slow");
  CAF_REQUIRE(
    sink.wait_until([](const requests& rs) { return rs.size() >= 2 && rs[0].abandoned; }));
  auto got = sink.received();
  CAF_CHECK_EQUAL(got[0].answer, test::http_sink::hold);
  CAF_CHECK(!got[0].released); // closed by the sender, never answered
  CAF_CHECK_EQUAL(got[1].answer, 200);
  CAF_CHECK_EQUAL(got[1].headers["x-chatwoot-delivery"], got[0].headers["x-chatwoot-delivery"]);
  CAF_CHECK_EQUAL(field_of(got[1], "content"), "slow");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(webhook_slow_receiver_tests, slow_receiver_fixture)

CAF_TEST(a receiver that does not answer does not hold up the write path) {
  test::http_sink sink{{test::http_sink::hold}};
  add_webhook(sink.url("/hook"), {"message_created"});
  auto conv = conversation_in(make_inbox("Support")["id"].get<int64_t>());
  post_message(conv, "m1");
  CAF_REQUIRE(sink.wait_for(1));
  // With m1 unanswered (and the queue of 2 full after m2), messages are still written and
  // answered at once.
  for (std::string content : {"m2", "m3", "m4", "m5"}) {
    auto posted = post_message(conv, content);
    CAF_CHECK_EQUAL(posted["content"], content);
  }
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM messages WHERE content IN ('m1', 'm2', 'm3', "
                            "'m4', 'm5')"),
                  "5");
  auto held = sink.received();
  CAF_REQUIRE_EQUAL(held.size(), 1u);
  CAF_CHECK(!held[0].released && !held[0].abandoned);
  sink.release();
  CAF_CHECK(sink.wait_until(has_message("m2")));
  auto got = sink.received();
  CAF_CHECK_EQUAL(field_of(got[0], "content"), "m1");
  CAF_CHECK(got[0].released);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(webhook_actor_tests, webhook_actor_fixture)

CAF_TEST(a delivery is attempted max_attempts times and then given up) {
  test::http_sink sink{{500, 500, 500, 500, 500}};
  add_webhook(sink.url("/hook"), {"message_created"});
  net::webhook_options opts;
  opts.retry_base = std::chrono::milliseconds{1};
  opts.max_attempts = 3;
  start(opts);
  send_message_event("failing");
  // Nothing queued: no attempt in flight and none scheduled, so the count is final.
  auto s = stats_until([](const std::vector<int64_t>& x) { return x.at(1) == 0; });
  CAF_CHECK_EQUAL(s, (std::vector<int64_t>{0, 0, 0}));
  CAF_REQUIRE(sink.wait_for(3));
  auto got = sink.received();
  CAF_CHECK_EQUAL(got.size(), 3u);
  for (const auto& r : got) {
    CAF_CHECK_EQUAL(r.answer, 500);
    CAF_CHECK_EQUAL(r.headers.at("x-chatwoot-delivery"), got[0].headers.at("x-chatwoot-delivery"));
  }
}

CAF_TEST(deliveries beyond the queue limit are dropped without waiting) {
  test::http_sink sink{{test::http_sink::hold}};
  add_webhook(sink.url("/hook"), {"message_created"});
  net::webhook_options opts;
  opts.queue_limit = 2;
  opts.timeout = std::chrono::seconds{60};
  start(opts);
  for (auto content : {"e1", "e2", "e3", "e4"})
    send_message_event(content);
  // Answered while e1 is held: e1 in flight, e2 waiting, e3 and e4 dropped.
  CAF_CHECK_EQUAL(stats(), (std::vector<int64_t>{0, 2, 2}));
  CAF_REQUIRE(sink.wait_for(1));
  CAF_CHECK(!sink.received()[0].released);
  sink.release();
  CAF_CHECK_EQUAL(stats_until([](const std::vector<int64_t>& x) { return x.at(1) == 0; }),
                  (std::vector<int64_t>{2, 0, 2}));
  // There is room again.
  send_message_event("e5");
  CAF_CHECK_EQUAL(stats_until([](const std::vector<int64_t>& x) { return x.at(0) == 3; }),
                  (std::vector<int64_t>{3, 0, 2}));
  CAF_REQUIRE(sink.wait_for(3));
  CAF_CHECK_EQUAL(contents_of(sink.received()), (std::vector<std::string>{"e1", "e2", "e5"}));
}

CAF_TEST_FIXTURE_SCOPE_END()
