#define CAF_SUITE domain.status_rules
#include "domain/status_rules.hpp"

#include "domain/last_seen.hpp"

#include <caf/test/unit_test.hpp>

using namespace messenger::domain;
using namespace std::chrono_literals;

namespace {
const timestamp t0 = from_micros(1'700'000'000'000'000);
}

CAF_TEST(toggle without a status flips open and resolved) {
  conversation conv;
  CAF_CHECK(change_status(conv, std::nullopt, std::nullopt).to == conversation_status::resolved);
  CAF_CHECK(change_status(conv, std::nullopt, std::nullopt).to == conversation_status::open);
  conv.status = conversation_status::pending;
  CAF_CHECK(change_status(conv, std::nullopt, std::nullopt).to == conversation_status::open);
  conv.status = conversation_status::snoozed;
  CAF_CHECK(change_status(conv, std::nullopt, std::nullopt).to == conversation_status::open);
}

CAF_TEST(snoozed_until is kept only while snoozed) {
  conversation conv;
  auto snooze = change_status(conv, conversation_status::snoozed, t0 + 1h);
  CAF_CHECK(snooze.changed);
  CAF_CHECK(conv.snoozed_until == t0 + 1h);
  auto next_reply = change_status(conv, conversation_status::snoozed, std::nullopt);
  CAF_CHECK(next_reply.changed); // until next reply: snoozed_until null
  CAF_CHECK(!conv.snoozed_until);
  change_status(conv, conversation_status::snoozed, t0 + 2h);
  change_status(conv, conversation_status::pending, t0 + 3h);
  CAF_CHECK(!conv.snoozed_until); // forced to null when leaving snoozed
  auto same = change_status(conv, conversation_status::pending, std::nullopt);
  CAF_CHECK(!same.changed);
}

CAF_TEST(snooze is due exactly at snoozed_until) {
  conversation conv;
  change_status(conv, conversation_status::snoozed, t0 + 60s);
  CAF_CHECK(!snooze_due(conv, t0 + 59s));
  CAF_CHECK(snooze_due(conv, t0 + 60s));
  change_status(conv, conversation_status::snoozed, std::nullopt);
  CAF_CHECK(!snooze_due(conv, t0 + 1000h));
}

CAF_TEST(activity texts) {
  CAF_CHECK_EQUAL(status_activity(conversation_status::resolved, "Jane"),
                  "Conversation was marked resolved by Jane");
  CAF_CHECK_EQUAL(status_activity(conversation_status::open, "Jane"),
                  "Conversation was reopened by Jane");
  CAF_CHECK_EQUAL(priority_activity(std::nullopt, priority::high, "Jane"),
                  "Jane set the priority to high");
  CAF_CHECK_EQUAL(priority_activity(priority::low, priority::urgent, "Jane"),
                  "Jane changed the priority from low to urgent");
  CAF_CHECK_EQUAL(priority_activity(priority::low, std::nullopt, "Jane"),
                  "Jane removed the priority");
  CAF_CHECK_EQUAL(assignment_activity("Bob", false, "Jane"), "Assigned to Bob by Jane");
  CAF_CHECK_EQUAL(assignment_activity("Jane", true, "Jane"),
                  "Jane self-assigned this conversation");
  CAF_CHECK_EQUAL(assignment_activity("", false, "Jane"), "Conversation unassigned by Jane");
}

CAF_TEST(priority changes report whether anything changed) {
  conversation conv;
  CAF_CHECK(change_priority(conv, priority::high));
  CAF_CHECK(!change_priority(conv, priority::high));
  CAF_CHECK(change_priority(conv, std::nullopt));
  CAF_CHECK(!conv.prio);
}

CAF_TEST(last seen writes when something is unread and throttles otherwise) {
  conversation conv;
  conv.assignee_id = 7;
  conv.last_message_at = t0;
  auto first = agent_seen(conv, 7, t0 + 1s);
  CAF_CHECK(first.agent_changed && first.assignee_changed);
  auto again = agent_seen(conv, 7, t0 + 2s); // nothing new: throttled
  CAF_CHECK(!again.agent_changed && !again.assignee_changed);
  CAF_CHECK(conv.agent_last_seen_at == t0 + 1s);
  auto later = agent_seen(conv, 7, t0 + 1s + 1h + 1s); // older than an hour
  CAF_CHECK(later.agent_changed && later.assignee_changed);
  conv.last_message_at = t0 + 2h;
  auto other = agent_seen(conv, 8, t0 + 2h + 1s); // not the assignee
  CAF_CHECK(other.agent_changed && !other.assignee_changed);
  CAF_CHECK(conv.assignee_last_seen_at == t0 + 1s + 1h + 1s);
}

CAF_TEST(mark unread moves both markers before the last incoming message) {
  conversation conv;
  mark_unread(conv);
  CAF_CHECK(!conv.agent_last_seen_at);
  remember_incoming(conv, t0 + 10s);
  mark_unread(conv);
  CAF_CHECK(conv.agent_last_seen_at == t0 + 9s);
  CAF_CHECK(conv.assignee_last_seen_at == t0 + 9s);
  CAF_CHECK_EQUAL(unread_count(conv), 1);
}
