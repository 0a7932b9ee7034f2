#define CAF_SUITE domain.message_rules
#include "domain/message_rules.hpp"

#include "domain/status_rules.hpp"

#include <caf/test/unit_test.hpp>

using namespace messenger::domain;
using namespace std::chrono_literals;

namespace {

const timestamp t0 = from_micros(1'700'000'000'000'000);

message_facts incoming(timestamp at) {
  message_facts m;
  m.type = message_type::incoming;
  m.sender = sender_kind::contact;
  m.created_at = at;
  return m;
}

message_facts agent_reply(timestamp at, bool is_private = false) {
  message_facts m;
  m.type = message_type::outgoing;
  m.sender = sender_kind::user;
  m.is_private = is_private;
  m.created_at = at;
  return m;
}

message_facts bot_reply(timestamp at) {
  message_facts m;
  m.type = message_type::outgoing;
  m.sender = sender_kind::agent_bot;
  m.created_at = at;
  return m;
}

struct fixture {
  conversation conv;
  inbox_facts inbox;
  fixture() {
    conv.created_at = t0;
    conv.last_activity_at = t0;
    conv.waiting_since = t0; // set on create (before_create :ensure_waiting_since)
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(message_rules_tests, fixture)

CAF_TEST(the first human reply sets first_reply_created_at and clears waiting_since) {
  apply_message(conv, incoming(t0 + 1s), inbox);
  CAF_CHECK(conv.waiting_since == t0); // never overwritten while set
  auto fx = apply_message(conv, agent_reply(t0 + 10s), inbox);
  CAF_CHECK(fx.first_reply);
  CAF_CHECK(!fx.reply_waiting_since); // no reply_time for the first reply
  CAF_CHECK(conv.first_reply_created_at == t0 + 10s);
  CAF_CHECK(!conv.waiting_since);
  CAF_CHECK(conv.last_activity_at == t0 + 10s);
}

CAF_TEST(a later reply produces reply_time from the first unanswered message) {
  apply_message(conv, agent_reply(t0 + 10s), inbox);
  apply_message(conv, incoming(t0 + 20s), inbox);
  apply_message(conv, incoming(t0 + 25s), inbox);
  CAF_CHECK(conv.waiting_since == t0 + 20s);
  auto fx = apply_message(conv, agent_reply(t0 + 60s), inbox);
  CAF_CHECK(!fx.first_reply);
  CAF_REQUIRE(fx.reply_waiting_since.has_value());
  CAF_CHECK(*fx.reply_waiting_since == t0 + 20s);
  CAF_CHECK(!conv.waiting_since);
  CAF_CHECK(conv.first_reply_created_at == t0 + 10s);
}

CAF_TEST(a private note neither clears waiting_since nor counts as first reply) {
  auto fx = apply_message(conv, agent_reply(t0 + 5s, true), inbox);
  CAF_CHECK(!fx.first_reply);
  CAF_CHECK(conv.waiting_since == t0);
  CAF_CHECK(!conv.first_reply_created_at);
  CAF_CHECK(conv.last_activity_at == t0 + 5s); // but it is activity
  auto reply = apply_message(conv, agent_reply(t0 + 9s), inbox);
  CAF_CHECK(reply.first_reply); // the note did not use up the first reply
}

CAF_TEST(a bot reply clears waiting_since without reply_time or first reply) {
  auto fx = apply_message(conv, bot_reply(t0 + 3s), inbox);
  CAF_CHECK(!fx.first_reply);
  CAF_CHECK(!fx.reply_waiting_since);
  CAF_CHECK(!conv.waiting_since);
  CAF_CHECK(!conv.first_reply_created_at);
  auto preserved = bot_reply(t0 + 4s);
  preserved.preserve_waiting_since = true;
  apply_message(conv, incoming(t0 + 5s), inbox);
  apply_message(conv, preserved, inbox);
  CAF_CHECK(conv.waiting_since == t0 + 5s);
}

CAF_TEST(automation and campaign messages are not human responses) {
  auto automated = agent_reply(t0 + 1s);
  automated.automation = true;
  auto fx = apply_message(conv, automated, inbox);
  CAF_CHECK(!fx.first_reply);
  CAF_CHECK(conv.waiting_since == t0);
  // ... but an automation message sent as a User still counts for the first-reply count.
  auto reply = apply_message(conv, agent_reply(t0 + 2s), inbox);
  CAF_CHECK(!reply.first_reply);
  CAF_CHECK(reply.reply_waiting_since == t0);
}

CAF_TEST(an external echo counts as a human response) {
  message_facts echo;
  echo.type = message_type::outgoing;
  echo.external_echo = true;
  echo.sender = sender_kind::none;
  echo.created_at = t0 + 7s;
  CAF_CHECK(is_human_response(echo));
}

CAF_TEST(resolve clears waiting_since and reopen does not restart it) {
  apply_message(conv, agent_reply(t0 + 1s), inbox);
  apply_message(conv, incoming(t0 + 2s), inbox);
  auto resolved = change_status(conv, conversation_status::resolved, std::nullopt);
  CAF_CHECK(resolved.cleared_waiting_since);
  CAF_CHECK(!conv.waiting_since);
  auto reopened = change_status(conv, std::nullopt, std::nullopt);
  CAF_CHECK(reopened.to == conversation_status::open);
  CAF_CHECK(!conv.waiting_since);
  // An agent message after the reopen: no reply_time, first reply not reset.
  auto fx = apply_message(conv, agent_reply(t0 + 30s), inbox);
  CAF_CHECK(!fx.reply_waiting_since);
  CAF_CHECK(!fx.first_reply);
  CAF_CHECK(conv.first_reply_created_at == t0 + 1s);
}

CAF_TEST(incoming messages reopen snoozed and resolved conversations) {
  change_status(conv, conversation_status::snoozed, t0 + 1h);
  auto fx = apply_message(conv, incoming(t0 + 1s), inbox);
  CAF_CHECK(fx.reopened_to == conversation_status::open);
  CAF_CHECK(!conv.snoozed_until);
  change_status(conv, conversation_status::resolved, std::nullopt);
  inbox.active_bot = true;
  fx = apply_message(conv, incoming(t0 + 2s), inbox);
  CAF_CHECK(fx.reopened_to == conversation_status::pending);
  fx = apply_message(conv, incoming(t0 + 3s), inbox);
  CAF_CHECK(!fx.reopened_to); // pending stays pending
  conv.contact_blocked = true;
  change_status(conv, conversation_status::resolved, std::nullopt);
  fx = apply_message(conv, incoming(t0 + 4s), inbox);
  CAF_CHECK(!fx.reopened_to); // muted conversations stay resolved
  CAF_CHECK(conv.status == conversation_status::resolved);
}

CAF_TEST(unread count counts incoming messages after agent_last_seen_at up to ten) {
  for (int i = 1; i <= 12; ++i)
    apply_message(conv, incoming(t0 + std::chrono::seconds{i}), inbox);
  CAF_CHECK_EQUAL(unread_count(conv), 10);
  conv.agent_last_seen_at = t0 + 9s;
  CAF_CHECK_EQUAL(unread_count(conv), 3);
}

CAF_TEST_FIXTURE_SCOPE_END()
