#define CAF_SUITE actors.entities
#include "caf/test/unit_test.hpp"
#ifndef FAIL // CAF 0.17.6: dsl.hpp's request<T>() refers to an undefined FAIL()
#  define FAIL(msg) CAF_FAIL(msg)
#endif
#include "actors/activity_listener.hpp"
#include "actors/dispatcher.hpp"
#include "actors/errors.hpp"
#include "actors/registry.hpp"
#include "actors/snooze_rearm.hpp"
#include "actors/system_config.hpp"
#include "tests/support/memory_store.hpp"

#include "caf/test/dsl.hpp"

using namespace messenger;
using namespace messenger::actors;
using namespace std::chrono_literals;

namespace {

const domain::timestamp t0 = domain::from_micros(1'700'000'000'000'000);
constexpr int64_t account = 1;
constexpr int64_t inbox_id = 10;

struct config : system_config {
  config() = default;
};

struct fixture : test_coordinator_fixture<config> {
  std::shared_ptr<test::memory_data> data = std::make_shared<test::memory_data>();
  std::shared_ptr<std::vector<domain_event>> events = std::make_shared<std::vector<domain_event>>();
  store_actor store;
  dispatcher_actor dispatcher;
  registry_actor registry;
  listener_actor recorder;
  listener_actor activity;
  entity_options options;

  fixture() {
    inbox_row inbox;
    inbox.id = inbox_id;
    inbox.account_id = account;
    inbox.members = {{100, "Alice"}, {101, "Bob"}, {102, "Carol"}};
    data->inboxes[inbox_id] = inbox;
    for (int64_t user = 100; user <= 103; ++user) {
      operator_row op;
      op.user_id = user;
      op.name = "user" + std::to_string(user);
      op.accounts.push_back({account, 0, true, {inbox_id}});
      data->operators[user] = op;
    }
    for (int64_t id = 1000; id < 1010; ++id)
      add_conversation(id);
  }

  ~fixture() override {
    for (auto hdl : {caf::actor_cast<caf::actor>(registry), caf::actor_cast<caf::actor>(store),
                     caf::actor_cast<caf::actor>(dispatcher), caf::actor_cast<caf::actor>(recorder),
                     caf::actor_cast<caf::actor>(activity)})
      if (hdl)
        caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
    consume_messages();
  }

  void add_conversation(int64_t id, uint8_t status = 0) {
    conversation_row row;
    row.id = id;
    row.display_id = id - 999;
    row.account_id = account;
    row.inbox_id = inbox_id;
    row.contact_id = 5;
    row.status = status;
    row.created_at = domain::to_micros(t0);
    row.last_activity_at = row.created_at;
    row.waiting_since = row.created_at;
    row.last_non_human_activity = row.created_at;
    data->conversations[id] = row;
  }

  /// Starts the entity layer (after the test adjusted `options` and `data`).
  void start() {
    store = test::spawn_memory_store(sys, data);
    dispatcher = spawn_dispatcher(sys);
    auto ev = events;
    recorder = sys.spawn(
      [](std::shared_ptr<std::vector<domain_event>> out) -> listener_actor::behavior_type {
        return {[out](event_atom, domain_event& e) { out->push_back(e); }};
      },
      ev);
    entity_context ctx;
    ctx.store = store;
    ctx.dispatcher = dispatcher;
    ctx.options = options;
    ctx.clock = time_base{t0, sched.clock().now()};
    registry = spawn_registry(sys, ctx);
    activity = spawn_activity_listener(sys, registry);
    self->send(dispatcher, subscribe_atom_v, recorder);
    self->send(dispatcher, subscribe_atom_v, activity);
    consume_messages();
  }

  template <class T, class Handle, class... Ts>
  T ask(const Handle& hdl, Ts&&... xs) {
    auto rh = self->request(hdl, caf::infinite, std::forward<Ts>(xs)...);
    consume_messages();
    T result{};
    rh.receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return result;
  }

  template <class Handle, class... Ts>
  errc ask_error(const Handle& hdl, Ts&&... xs) { // for requests answered with message_row
    auto rh = self->request(hdl, caf::infinite, std::forward<Ts>(xs)...);
    consume_messages();
    errc code = errc::not_found;
    bool failed = false;
    rh.receive([](message_row&) {},
               [&](caf::error& err) {
                 failed = true;
                 code = from_caf_error(err).code;
               });
    if (!failed)
      CAF_FAIL("expected an error");
    return code;
  }

  conversation_actor conv(int64_t id) {
    return ask<conversation_actor>(registry, conversation_atom_v, id);
  }
  inbox_actor inbox() { return ask<inbox_actor>(registry, inbox_atom_v, inbox_id); }
  operator_actor op(int64_t user) { return ask<operator_actor>(registry, operator_atom_v, user); }

  conversation_row row(int64_t id) { return ask<conversation_row>(conv(id), get_atom_v); }

  message_row post(int64_t id, uint8_t type, const std::string& sender_type, int64_t sender_id) {
    message_command cmd;
    cmd.message.message_type = type;
    cmd.message.content = "hi";
    cmd.message.sender_type = sender_type;
    cmd.message.sender_id = sender_id;
    return ask<message_row>(conv(id), message_atom_v, cmd);
  }

  std::string status_of(int64_t user) {
    auto view = ask<operator_view>(op(user), get_atom_v);
    return view.statuses.empty() ? std::string{} : view.statuses.front();
  }

  void ping(int64_t user) { ask<operator_view>(op(user), presence_atom_v, account); }

  size_t count_events(const std::string& name) {
    size_t n = 0;
    for (const auto& e : *events)
      n += messenger::domain::event_name(e.kind) == name ? 1 : 0;
    return n;
  }

  void advance(caf::timespan d) {
    advance_time(d);
    consume_messages();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(entity_tests, fixture)

CAF_TEST(a snooze reopens exactly at snoozed_until and not a second earlier) {
  start();
  status_command cmd;
  cmd.status = 3;
  cmd.snoozed_until = domain::to_micros(t0 + 60s);
  auto snoozed = ask<conversation_row>(conv(1000), toggle_atom_v, cmd);
  CAF_CHECK_EQUAL(snoozed.status, 3u);
  advance(59s);
  CAF_CHECK_EQUAL(row(1000).status, 3u);
  CAF_CHECK_EQUAL(data->conversations[1000].status, 3u);
  advance(1s);
  CAF_CHECK_EQUAL(row(1000).status, 0u);
  CAF_CHECK_EQUAL(data->conversations[1000].status, 0u); // persisted
  CAF_CHECK_EQUAL(data->conversations[1000].snoozed_until, 0);
  CAF_CHECK_EQUAL(count_events("conversation.opened"), 1u);
  CAF_REQUIRE(!data->reports.empty());
  CAF_CHECK_EQUAL(data->reports.back().name, "conversation_opened");
}

CAF_TEST(a stale snooze timer is ignored after a resnooze) {
  start();
  status_command cmd;
  cmd.status = 3;
  cmd.snoozed_until = domain::to_micros(t0 + 60s);
  ask<conversation_row>(conv(1000), toggle_atom_v, cmd);
  cmd.snoozed_until = domain::to_micros(t0 + 120s);
  ask<conversation_row>(conv(1000), toggle_atom_v, cmd);
  advance(60s);
  CAF_CHECK_EQUAL(row(1000).status, 3u); // the first timer fired but was stale
  advance(60s);
  CAF_CHECK_EQUAL(row(1000).status, 0u);
}

CAF_TEST(snooze timers are armed again when the conversation is loaded) {
  data->conversations[1001].status = 3;
  data->conversations[1001].snoozed_until = domain::to_micros(t0 + 30s);
  start();
  rearm_snoozed(sys, store, registry);
  consume_messages();
  CAF_CHECK_EQUAL(ask<entity_counts>(registry, count_atom_v).conversations, 1u);
  advance(29s);
  CAF_CHECK_EQUAL(data->conversations[1001].status, 3u);
  advance(1s);
  CAF_CHECK_EQUAL(data->conversations[1001].status, 0u);
}

CAF_TEST(the flood limit window slides) {
  options.message_per_minute_limit = 3;
  start();
  for (int i = 0; i < 3; ++i)
    post(1000, 0, "Contact", 5);
  CAF_CHECK(ask_error(conv(1000), message_atom_v, message_command{}) == errc::rate_limited);
  advance(30s);
  CAF_CHECK(ask_error(conv(1000), message_atom_v, message_command{}) == errc::rate_limited);
  advance(31s);
  post(1000, 0, "Contact", 5);
  CAF_CHECK_EQUAL(data->messages.size(), 4u);
}

CAF_TEST(messages drive waiting_since first reply and reporting events) {
  start();
  post(1000, 0, "Contact", 5);
  advance(90s);
  auto reply = post(1000, 1, "User", 100);
  CAF_CHECK(reply.id > 0);
  auto r = data->conversations[1000];
  CAF_CHECK_EQUAL(r.waiting_since, 0);
  CAF_CHECK_EQUAL(r.first_reply_created_at, reply.created_at);
  CAF_CHECK_EQUAL(r.last_activity_at, reply.created_at);
  CAF_REQUIRE_EQUAL(data->reports.size(), 1u);
  CAF_CHECK_EQUAL(data->reports[0].name, "first_response");
  CAF_CHECK(data->reports[0].value >= 90.0);
  CAF_CHECK_EQUAL(data->reports[0].user_id, 100);
  CAF_CHECK_EQUAL(count_events("message.created"), 2u);
  CAF_CHECK_EQUAL(count_events("first.reply.created"), 1u);
  post(1000, 0, "Contact", 5);
  advance(10s);
  post(1000, 1, "User", 100);
  CAF_REQUIRE_EQUAL(data->reports.size(), 2u);
  CAF_CHECK_EQUAL(data->reports[1].name, "reply_time");
  CAF_CHECK_EQUAL(count_events("reply.created"), 1u);
}

CAF_TEST(resolving writes conversation_resolved and an activity message) {
  start();
  status_command cmd;
  cmd.status = 1;
  cmd.by = performer{"User", 100, "Alice", true};
  auto resolved = ask<conversation_row>(conv(1000), toggle_atom_v, cmd);
  CAF_CHECK_EQUAL(resolved.status, 1u);
  CAF_CHECK_EQUAL(resolved.waiting_since, 0);
  CAF_CHECK_EQUAL(data->reports.back().name, "conversation_resolved");
  CAF_REQUIRE_EQUAL(data->messages.size(), 1u);
  CAF_CHECK_EQUAL(data->messages[0].message_type, 2u);
  CAF_CHECK_EQUAL(data->messages[0].content, "Conversation was marked resolved by Alice");
  CAF_CHECK_EQUAL(count_events("conversation.status_changed"), 1u);
  CAF_CHECK_EQUAL(count_events("conversation.resolved"), 1u);
}

CAF_TEST(an agent reopening a conversation assigns it to themselves) {
  add_conversation(1000, 1);
  start();
  status_command cmd;
  cmd.by = performer{"User", 101, "Bob", false};
  auto opened = ask<conversation_row>(conv(1000), toggle_atom_v, cmd);
  CAF_CHECK_EQUAL(opened.status, 0u);
  CAF_CHECK_EQUAL(opened.assignee_id, 101);
  cmd.by = performer{"User", 102, "Carol", true};
  cmd.status = 1;
  ask<conversation_row>(conv(1000), toggle_atom_v, cmd);
  cmd.status = -1;
  auto admin = ask<conversation_row>(conv(1000), toggle_atom_v, cmd);
  CAF_CHECK_EQUAL(admin.assignee_id, 101); // an administrator does not self-assign
}

CAF_TEST(last seen is throttled when nothing is unread) {
  start();
  post(1000, 0, "Contact", 5);
  auto saves = data->saves;
  ask<conversation_row>(conv(1000), seen_atom_v, int64_t{100});
  CAF_CHECK_EQUAL(data->saves, saves + 1);
  ask<conversation_row>(conv(1000), seen_atom_v, int64_t{100});
  CAF_CHECK_EQUAL(data->saves, saves + 1); // throttled: no write
  advance(61min);
  ask<conversation_row>(conv(1000), seen_atom_v, int64_t{100});
  CAF_CHECK_EQUAL(data->saves, saves + 2);
}

CAF_TEST(presence expires after the presence duration) {
  start();
  ping(100);
  auto view = ask<operator_view>(op(100), get_atom_v);
  CAF_REQUIRE_EQUAL(view.statuses.size(), 1u);
  CAF_CHECK_EQUAL(view.statuses[0], "online");
  auto in = inbox();
  CAF_CHECK_EQUAL(ask<inbox_view>(in, inspect_atom_v).eligible, std::vector<int64_t>{100});
  advance(19s);
  CAF_CHECK_EQUAL(status_of(100), "online");
  advance(1s);
  CAF_CHECK_EQUAL(status_of(100), "offline");
  CAF_CHECK(ask<inbox_view>(in, inspect_atom_v).eligible.empty());
  // Arrival and expiry were published for realtime, once each, in order.
  std::vector<std::string> changes;
  for (const auto& ev : *events)
    if (ev.kind == messenger::domain::event_kind::presence_changed) {
      CAF_CHECK_EQUAL(ev.account_id, account);
      changes.push_back(std::to_string(ev.by.id) + ":" + ev.presence);
    }
  CAF_CHECK_EQUAL(changes, (std::vector<std::string>{"100:online", "100:offline"}));
}

CAF_TEST(availability changes are published once per change) {
  start();
  ask<operator_view>(op(100), availability_atom_v, availability_command{account, 2, false});
  ask<operator_view>(op(100), availability_atom_v, availability_command{account, 2, false});
  ask<operator_view>(op(100), availability_atom_v, availability_command{account, 0, false});
  std::vector<std::string> changes;
  for (const auto& ev : *events)
    if (ev.kind == messenger::domain::event_kind::presence_changed)
      changes.push_back(std::to_string(ev.by.id) + ":" + ev.presence);
  CAF_CHECK_EQUAL(changes, (std::vector<std::string>{"100:busy", "100:online"}));
}

CAF_TEST(auto assignment follows the ring across member changes) {
  start();
  for (int64_t user : {100, 101, 102, 103})
    ask<operator_view>(op(user), availability_atom_v, availability_command{account, 0, false});
  auto in = inbox();
  CAF_CHECK_EQUAL(ask<inbox_view>(in, inspect_atom_v).ring, (std::vector<int64_t>{100, 101, 102}));
  self->send(in, want_agent_atom_v, agent_request{1000, 0});
  self->send(in, want_agent_atom_v, agent_request{1001, 0});
  consume_messages();
  CAF_CHECK_EQUAL(data->conversations[1000].assignee_id, 100);
  CAF_CHECK_EQUAL(data->conversations[1001].assignee_id, 101);
  // Bob leaves, Dave joins: Dave queues behind everyone already in the ring.
  self->send(in, member_atom_v, inbox_member_change{101, false, "Bob"});
  self->send(in, member_atom_v, inbox_member_change{103, true, "Dave"});
  consume_messages();
  for (int64_t id = 1002; id < 1006; ++id)
    self->send(in, want_agent_atom_v, agent_request{id, 0});
  consume_messages();
  CAF_CHECK_EQUAL(data->conversations[1002].assignee_id, 102);
  CAF_CHECK_EQUAL(data->conversations[1003].assignee_id, 100);
  CAF_CHECK_EQUAL(data->conversations[1004].assignee_id, 103);
  CAF_CHECK_EQUAL(data->conversations[1005].assignee_id, 102);
  auto last = data->messages.back();
  CAF_CHECK_EQUAL(last.message_type, 2u);
}

CAF_TEST(the assignment rate limit queues conversations until the window passes) {
  options.assignment_limit = 2;
  options.assignment_window = 300s;
  start();
  ask<operator_view>(op(100), availability_atom_v, availability_command{account, 0, false});
  auto in = inbox();
  for (int64_t id = 1000; id < 1003; ++id)
    self->send(in, want_agent_atom_v, agent_request{id, 0});
  consume_messages();
  CAF_CHECK_EQUAL(data->conversations[1000].assignee_id, 100);
  CAF_CHECK_EQUAL(data->conversations[1001].assignee_id, 100);
  CAF_CHECK_EQUAL(data->conversations[1002].assignee_id, 0);
  auto view = ask<inbox_view>(in, inspect_atom_v);
  CAF_CHECK_EQUAL(view.queue, std::vector<int64_t>{1002});
  CAF_CHECK_EQUAL(view.rate_counts, std::vector<uint32_t>{2});
  advance(299s);
  CAF_CHECK_EQUAL(data->conversations[1002].assignee_id, 0);
  advance(1s);
  CAF_CHECK_EQUAL(data->conversations[1002].assignee_id, 100);
  CAF_CHECK(ask<inbox_view>(in, inspect_atom_v).queue.empty());
}

CAF_TEST(the ring and the rate window survive the inbox passivating) {
  options.idle_after = 60s;
  options.assignment_limit = 3;
  options.assignment_window = 300s;
  start();
  for (int64_t user : {100, 101, 102})
    ask<operator_view>(op(user), availability_atom_v, availability_command{account, 0, false});
  auto in = inbox();
  for (int64_t id = 1000; id < 1004; ++id) // 100, 101, 102, then 100 again
    self->send(in, want_agent_atom_v, agent_request{id, 0});
  consume_messages();
  CAF_CHECK_EQUAL(data->conversations[1003].assignee_id, 100);
  auto before = ask<inbox_view>(in, inspect_atom_v);
  CAF_CHECK_EQUAL(before.ring, (std::vector<int64_t>{101, 102, 100}));
  CAF_CHECK_EQUAL(before.rate_counts, (std::vector<uint32_t>{2, 1, 1}));
  CAF_CHECK(data->inbox_saves > 0);
  in = nullptr;
  advance(60s);
  CAF_CHECK_EQUAL(ask<entity_counts>(registry, count_atom_v).inboxes, 0u);
  // A new incarnation (a handoff loads the same row): same rotation, same windows.
  auto after = ask<inbox_view>(inbox(), inspect_atom_v);
  CAF_CHECK_EQUAL(after.ring, before.ring);
  CAF_CHECK_EQUAL(after.rate_users, before.rate_users);
  CAF_CHECK_EQUAL(after.rate_counts, before.rate_counts);
  self->send(inbox(), want_agent_atom_v, agent_request{1004, 0});
  self->send(inbox(), want_agent_atom_v, agent_request{1005, 0});
  consume_messages();
  CAF_CHECK_EQUAL(data->conversations[1004].assignee_id, 101);
  CAF_CHECK_EQUAL(data->conversations[1005].assignee_id, 102);
  // The carried window counts: each agent reaches the limit of 3, and 1009 waits (with
  // windows started over, 100 would have taken it).
  for (int64_t id = 1006; id < 1010; ++id)
    self->send(inbox(), want_agent_atom_v, agent_request{id, 0});
  consume_messages();
  CAF_CHECK_EQUAL(data->conversations[1006].assignee_id, 100);
  CAF_CHECK_EQUAL(data->conversations[1007].assignee_id, 101);
  CAF_CHECK_EQUAL(data->conversations[1008].assignee_id, 102);
  CAF_CHECK_EQUAL(data->conversations[1009].assignee_id, 0);
  CAF_CHECK_EQUAL(ask<inbox_view>(inbox(), inspect_atom_v).queue, std::vector<int64_t>{1009});
}

CAF_TEST(queued conversations are assigned oldest first when an agent comes online) {
  start();
  auto in = inbox();
  self->send(in, want_agent_atom_v, agent_request{1003, 0});
  self->send(in, want_agent_atom_v, agent_request{1001, 0});
  consume_messages();
  CAF_CHECK_EQUAL(ask<inbox_view>(in, inspect_atom_v).queue, (std::vector<int64_t>{1003, 1001}));
  ping(102);
  CAF_CHECK_EQUAL(data->conversations[1003].assignee_id, 102);
  CAF_CHECK_EQUAL(data->conversations[1001].assignee_id, 102);
  CAF_CHECK(ask<inbox_view>(in, inspect_atom_v).queue.empty());
}

CAF_TEST(an open unassigned conversation asks its inbox for an agent) {
  add_conversation(1000, 1); // resolved
  start();
  ask<operator_view>(op(101), availability_atom_v, availability_command{account, 0, false});
  inbox();                     // activate the inbox so it learns who is eligible
  post(1000, 0, "Contact", 5); // the incoming message reopens it
  CAF_CHECK_EQUAL(data->conversations[1000].status, 0u);
  CAF_CHECK_EQUAL(data->conversations[1000].assignee_id, 101);
}

CAF_TEST(a failed write is reported and nothing is acknowledged) {
  start();
  post(1000, 0, "Contact", 5);
  data->fail_saves = true;
  message_command cmd;
  cmd.message.content = "lost?";
  CAF_CHECK(ask_error(conv(1000), message_atom_v, cmd) == errc::database_unavailable);
  data->fail_saves = false;
  CAF_CHECK_EQUAL(data->messages.size(), 1u);
  auto after = post(1000, 1, "User", 100);
  CAF_CHECK_EQUAL(data->messages.size(), 2u);
  CAF_CHECK_EQUAL(data->conversations[1000].last_activity_at, after.created_at);
}

CAF_TEST(idle entities passivate and come back with their state) {
  options.idle_after = 60s;
  start();
  post(1000, 0, "Contact", 5);
  CAF_CHECK_EQUAL(ask<entity_counts>(registry, count_atom_v).conversations, 1u);
  advance(60s);
  CAF_CHECK_EQUAL(ask<entity_counts>(registry, count_atom_v).conversations, 0u);
  auto back = row(1000);
  CAF_CHECK_EQUAL(back.last_activity_at, data->conversations[1000].last_activity_at);
  CAF_CHECK_EQUAL(ask<entity_counts>(registry, count_atom_v).conversations, 1u);
}

CAF_TEST(conversations created open are auto assigned by their inbox) {
  start();
  ask<operator_view>(op(102), availability_atom_v, availability_command{account, 0, false});
  auto in = inbox();
  conversation_row templ;
  templ.contact_id = 5;
  auto created = ask<conversation_row>(in, create_atom_v, templ);
  CAF_CHECK(created.id > 0);
  CAF_CHECK_EQUAL(created.inbox_id, inbox_id);
  CAF_CHECK_EQUAL(created.waiting_since, created.created_at);
  CAF_CHECK_EQUAL(data->conversations[created.id].assignee_id, 102);
  CAF_CHECK_EQUAL(count_events("conversation.created"), 1u);
  templ.status = 2; // pending: not assigned until it opens
  auto pending = ask<conversation_row>(in, create_atom_v, templ);
  CAF_CHECK_EQUAL(data->conversations[pending.id].assignee_id, 0);
}

CAF_TEST(availability is persisted before it counts) {
  start();
  auto view
    = ask<operator_view>(op(101), availability_atom_v, availability_command{account, 2, false});
  CAF_CHECK_EQUAL(view.statuses.front(), "busy");
  CAF_CHECK_EQUAL(data->operators[101].accounts.front().availability, 2u);
  CAF_CHECK(!data->operators[101].accounts.front().auto_offline);
  data->fail_saves = true;
  auto rh = self->request(op(101), caf::infinite, availability_atom_v,
                          availability_command{account, 0, false});
  consume_messages();
  bool failed = false;
  rh.receive([](operator_view&) {}, [&](caf::error&) { failed = true; });
  CAF_CHECK(failed);
  CAF_CHECK_EQUAL(status_of(101), "busy"); // nothing changed without the commit
}

CAF_TEST(custom attributes replace the hash and must be an object) {
  start();
  auto updated = ask<conversation_row>(conv(1000), attributes_atom_v,
                                       attributes_command{R"({"plan": "pro", "seats": 3})", {}});
  CAF_CHECK_EQUAL(updated.custom_attributes, R"({"plan":"pro","seats":3})");
  CAF_CHECK_EQUAL(data->conversations[1000].custom_attributes, R"({"plan":"pro","seats":3})");
  CAF_CHECK_EQUAL(count_events("conversation.updated"), 1u);
  auto rh
    = self->request(conv(1000), caf::infinite, attributes_atom_v, attributes_command{"[1]", {}});
  consume_messages();
  std::optional<errc> code;
  rh.receive([](conversation_row&) {}, [&](caf::error& e) { code = from_caf_error(e).code; });
  CAF_CHECK(code == errc::invalid_argument);
}

CAF_TEST(a reopened conversation whose assignee left the inbox gets a new agent) {
  add_conversation(1000, 1);
  data->conversations[1000].assignee_id = 103; // Dave is no member of inbox 10
  add_conversation(1001, 1);
  data->conversations[1001].assignee_id = 101; // Bob is
  start();
  ask<operator_view>(op(100), availability_atom_v, availability_command{account, 0, false});
  inbox();
  post(1000, 0, "Contact", 5); // reopens
  post(1001, 0, "Contact", 5);
  CAF_CHECK_EQUAL(data->conversations[1000].assignee_id, 100);
  CAF_CHECK_EQUAL(data->conversations[1001].assignee_id, 101); // kept
}

CAF_TEST(
  a retired conversation finishes its write and none in the scope comes back until released) {
  data->conversations[1001].contact_id = 6; // another contact's conversation
  start();
  auto c = conv(1000);
  conv(1001);
  message_command cmd;
  cmd.message.content = "written before the delete";
  cmd.message.sender_type = "Contact";
  cmd.message.sender_id = 5;
  // The write is in flight when the retire arrives: it still commits and is answered.
  auto write = self->request(c, caf::infinite, message_atom_v, cmd);
  auto retire = self->request(registry, caf::infinite, retire_atom_v,
                              static_cast<uint8_t>(retire_scope::contact), int64_t{5});
  consume_messages();
  bool written = false;
  write.receive([&](message_row&) { written = true; },
                [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK(written);
  uint64_t retired = 0;
  retire.receive([&](uint64_t n) { retired = n; },
                 [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK_EQUAL(retired, 1u);
  CAF_CHECK_EQUAL(data->messages.size(), 1u);
  // The old handle takes nothing more, and the registry activates nothing in the scope.
  auto late = self->request(c, caf::infinite, message_atom_v, cmd);
  consume_messages();
  late.receive([&](message_row&) { CAF_FAIL("a retired conversation wrote"); }, [](caf::error&) {});
  CAF_CHECK_EQUAL(data->messages.size(), 1u);
  auto blocked = self->request(registry, caf::infinite, conversation_atom_v, int64_t{1000});
  consume_messages();
  std::optional<errc> code;
  blocked.receive([](conversation_actor&) {},
                  [&](caf::error& e) { code = from_caf_error(e).code; });
  CAF_CHECK(code == errc::not_found);
  CAF_CHECK_EQUAL(row(1001).id, 1001); // outside the scope
  self->send(registry, release_atom_v, static_cast<uint8_t>(retire_scope::contact), int64_t{5});
  consume_messages();
  CAF_CHECK_EQUAL(row(1000).id, 1000); // the delete did not happen: it is back
}

CAF_TEST(a message delete is written and published by the conversation actor) {
  start();
  auto first = post(1000, 0, "Contact", 5);
  post(1000, 1, "User", 100);
  performer by{"User", 100, "Alice", false};
  auto deleted = ask<message_row>(conv(1000), delete_atom_v, delete_message_command{first.id, by});
  CAF_CHECK_EQUAL(deleted.content, "This message was deleted");
  CAF_CHECK_EQUAL(data->messages.at(0).content, "This message was deleted");
  CAF_CHECK_EQUAL(data->messages.at(1).content, "hi");
  CAF_CHECK_EQUAL(count_events("message.updated"), 1u);
  CAF_CHECK(ask_error(conv(1000), delete_atom_v, delete_message_command{99, by})
            == errc::not_found);
  CAF_CHECK_EQUAL(count_events("message.updated"), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
