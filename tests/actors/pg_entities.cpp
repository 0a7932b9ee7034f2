#define CAF_SUITE actors.pg_entities
#include "actors/activity_listener.hpp"
#include "actors/dispatcher.hpp"
#include "actors/errors.hpp"
#include "actors/persistence.hpp"
#include "actors/pg_store.hpp"
#include "actors/registry.hpp"
#include "actors/row_codec.hpp"
#include "actors/snooze_rearm.hpp"
#include "actors/system_config.hpp"
#include "domain/message_rules.hpp"
#include "persistence/migrator.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/pg.hpp"

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>

#include <thread>

using namespace messenger;
using namespace messenger::actors;

namespace {

constexpr auto timeout = std::chrono::seconds{60};

struct fixture {
  test::temp_database db;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  writer_actor writer;
  reader_actor reader;
  store_actor store;
  dispatcher_actor dispatcher;
  registry_actor registry;
  listener_actor activity;
  int64_t conversation_id = 0;

  fixture() {
    CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
    db.scalar("INSERT INTO accounts (id, name, created_at, updated_at) VALUES (1, 'Acme', now(), "
              "now())");
    db.scalar("INSERT INTO users (id, name, email, created_at, updated_at) VALUES (100, 'Alice', "
              "'alice@example.com', now(), now())");
    db.scalar("INSERT INTO account_users (account_id, user_id, role, created_at, updated_at) "
              "VALUES (1, 100, 1, now(), now())");
    db.scalar("INSERT INTO channel_api (id, account_id, created_at, updated_at) VALUES (1, 1, "
              "now(), now())");
    db.scalar("INSERT INTO inboxes (id, channel_id, account_id, name, channel_type, created_at, "
              "updated_at) VALUES (10, 1, 1, 'API', 'Channel::Api', now(), now())");
    db.scalar("INSERT INTO inbox_members (user_id, inbox_id, created_at, updated_at) VALUES "
              "(100, 10, now(), now())");
    db.scalar("INSERT INTO contacts (id, name, account_id, created_at, updated_at) VALUES (5, "
              "'Carl', 1, now(), now())");
    conversation_id = std::stoll(db.scalar(
      "INSERT INTO conversations (account_id, inbox_id, contact_id, status, created_at, "
      "updated_at, waiting_since) VALUES (1, 10, 5, 0, now() AT TIME ZONE 'utc', now(), now() AT "
      "TIME ZONE 'utc') RETURNING id"));
  }

  void start(uint32_t flood_limit = 200) {
    persistence_options popts;
    popts.database_url = db.url();
    writer = spawn_writer(sys, popts);
    reader = spawn_reader(sys, popts);
    store = spawn_pg_store(sys, writer, reader);
    dispatcher = spawn_dispatcher(sys);
    entity_context ctx;
    ctx.store = store;
    ctx.dispatcher = dispatcher;
    ctx.options.message_per_minute_limit = flood_limit;
    auto now = std::chrono::system_clock::now();
    ctx.clock = time_base{std::chrono::time_point_cast<domain::duration>(now), sys.clock().now()};
    registry = spawn_registry(sys, ctx);
    activity = spawn_activity_listener(sys, registry);
    self->send(dispatcher, subscribe_atom_v, activity);
  }

  ~fixture() {
    for (auto hdl : {caf::actor_cast<caf::actor>(registry), caf::actor_cast<caf::actor>(activity),
                     caf::actor_cast<caf::actor>(dispatcher), caf::actor_cast<caf::actor>(store),
                     caf::actor_cast<caf::actor>(reader), caf::actor_cast<caf::actor>(writer)})
      if (hdl)
        self->send_exit(hdl, caf::exit_reason::user_shutdown);
  }

  conversation_actor conv() {
    conversation_actor out;
    self->request(registry, timeout, conversation_atom_v, conversation_id)
      .receive([&](conversation_actor& c) { out = c; },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  }

  std::string q(const std::string& sql) { return db.scalar(sql); }
};

message_command make_message(int i) {
  message_command cmd;
  bool incoming = i % 3 != 1;
  cmd.message.message_type = incoming ? 0 : 1;
  cmd.message.content = "message " + std::to_string(i);
  cmd.message.sender_type = incoming ? "Contact" : "User";
  cmd.message.sender_id = incoming ? 5 : 100;
  cmd.message.is_private = i % 7 == 3;
  return cmd;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(pg_entity_tests, fixture)

CAF_TEST(a thousand concurrent messages on one conversation stay exact) {
  constexpr int n = 1000;
  start(100000);
  auto c = conv();
  // Many senders: each spawned actor sends its share and counts the replies.
  constexpr int senders = 20;
  auto acked = std::make_shared<std::atomic<int>>(0);
  auto failed = std::make_shared<std::atomic<int>>(0);
  for (int s = 0; s < senders; ++s)
    self->spawn( // (arguments, not captures: CAF 0.17 trips UBSan on argument-less spawns)
      [](caf::event_based_actor* sender, conversation_actor to, int first,
         std::shared_ptr<std::atomic<int>> count, std::shared_ptr<std::atomic<int>> errors) {
        for (int i = first; i < n; i += senders)
          sender->request(to, timeout, message_atom_v, make_message(i))
            .then([count](message_row&) { ++*count; }, [errors](caf::error&) { ++*errors; });
      },
      c, s, acked, failed);
  // Wait until every request has its answer.
  CAF_CHECK(test::eventually([&] { return acked->load() + failed->load() == n; }, timeout));
  CAF_REQUIRE_EQUAL(failed->load(), 0);
  CAF_REQUIRE_EQUAL(acked->load(), n);
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM messages WHERE message_type <> 2"), std::to_string(n));
  CAF_CHECK_EQUAL(q("SELECT count(DISTINCT content) FROM messages WHERE message_type <> 2"),
                  std::to_string(n));
  // Creation times are strictly increasing in commit (id) order.
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM (SELECT created_at <= lag(created_at) OVER (ORDER BY "
                    "id) AS bad FROM messages) x WHERE bad"),
                  "0");
  CAF_CHECK_EQUAL(q("SELECT (c.last_activity_at = (SELECT max(created_at) FROM messages m "
                    "WHERE m.conversation_id = c.id))::text FROM conversations c"),
                  "true");
  // Replaying the committed messages through the domain rules gives the committed row.
  auto rows = q("SELECT string_agg(message_type || ':' || private::int || ':' || "
                "coalesce(sender_type, '') || ':' || messenger_us(created_at), ',' ORDER BY "
                "created_at) FROM messages");
  domain::conversation replay;
  replay.created_at
    = domain::from_micros(std::stoll(q("SELECT messenger_us(created_at) FROM conversations")));
  replay.waiting_since
    = domain::from_micros(std::stoll(q("SELECT messenger_us(created_at) FROM conversations")));
  size_t start_pos = 0;
  while (start_pos < rows.size()) {
    auto end = rows.find(',', start_pos);
    if (end == std::string::npos)
      end = rows.size();
    auto item = rows.substr(start_pos, end - start_pos);
    start_pos = end + 1;
    auto p1 = item.find(':');
    auto p2 = item.find(':', p1 + 1);
    auto p3 = item.find(':', p2 + 1);
    message_row m;
    m.message_type = static_cast<uint8_t>(std::stoi(item.substr(0, p1)));
    m.is_private = item.substr(p1 + 1, p2 - p1 - 1) == "1";
    m.sender_type = item.substr(p2 + 1, p3 - p2 - 1);
    m.created_at = std::stoll(item.substr(p3 + 1));
    domain::apply_message(replay, facts_of(m, false), domain::inbox_facts{});
  }
  CAF_CHECK_EQUAL(q("SELECT coalesce(messenger_us(waiting_since), 0) FROM conversations"),
                  std::to_string(from_opt_time(replay.waiting_since)));
  CAF_CHECK_EQUAL(q("SELECT coalesce(messenger_us(first_reply_created_at), 0) FROM conversations"),
                  std::to_string(from_opt_time(replay.first_reply_created_at)));
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM reporting_events WHERE name = 'first_response'"), "1");
}

CAF_TEST(status priority labels and reports are persisted) {
  start();
  auto c = conv();
  status_command resolve;
  resolve.status = 1;
  resolve.by = performer{"User", 100, "Alice", true};
  self->request(c, timeout, toggle_atom_v, resolve)
    .receive([](conversation_row& r) { CAF_CHECK_EQUAL(r.status, 1u); },
             [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(q("SELECT status || ':' || (waiting_since IS NULL)::text FROM conversations"),
                  "1:true");
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM reporting_events WHERE name = 'conversation_resolved' "
                    "AND user_id IS NULL AND value >= 0"),
                  "1");
  self->request(c, timeout, priority_atom_v, priority_command{2, resolve.by})
    .receive([](conversation_row& r) { CAF_CHECK_EQUAL(r.priority, 2); },
             [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(q("SELECT priority FROM conversations"), "2");
  self->request(c, timeout, labels_atom_v, labels_command{{"vip", "billing"}, resolve.by})
    .receive([](conversation_row&) {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(q("SELECT cached_label_list FROM conversations"), "billing, vip");
  self->request(c, timeout, attributes_atom_v, attributes_command{R"({"tier":"gold"})", resolve.by})
    .receive([](conversation_row&) {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(q("SELECT custom_attributes ->> 'tier' FROM conversations"), "gold");
  CAF_CHECK_EQUAL(q("SELECT string_agg(t.name, ',' ORDER BY t.name) FROM taggings g JOIN tags t "
                    "ON t.id = g.tag_id WHERE g.taggable_type = 'Conversation'"),
                  "billing,vip");
  self->request(c, timeout, labels_atom_v, labels_command{{"vip"}, resolve.by})
    .receive([](conversation_row&) {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(q("SELECT string_agg(t.name, ',') FROM taggings g JOIN tags t ON t.id = "
                    "g.tag_id"),
                  "vip");
  // The activity message of the resolve arrives asynchronously.
  CAF_CHECK(test::eventually(
    [&] { return q("SELECT count(*) FROM messages WHERE message_type = 2") != "0"; }, timeout));
  CAF_CHECK_EQUAL(q("SELECT content FROM messages WHERE message_type = 2 ORDER BY id LIMIT 1"),
                  "Conversation was marked resolved by Alice");
}

CAF_TEST(a conversation whose snooze passed while no node ran reopens at start) {
  q("UPDATE conversations SET status = 3, snoozed_until = (now() AT TIME ZONE 'utc') - "
    "interval '1 second'");
  start();
  rearm_snoozed(sys, store, registry);
  CAF_CHECK(
    test::eventually([&] { return q("SELECT status FROM conversations") == "0"; }, timeout));
  CAF_CHECK_EQUAL(q("SELECT status || ':' || (snoozed_until IS NULL)::text FROM conversations"),
                  "0:true");
}

CAF_TEST(the store loads what the rules need) {
  q("INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, sender_type, "
    "sender_id, content, created_at, updated_at) SELECT 1, 10, id, 1, 'User', 100, 'hi', now() AT "
    "TIME ZONE 'utc', now() FROM conversations");
  start();
  conversation_row row;
  self->request(store, timeout, load_atom_v, conversation_atom_v, conversation_id)
    .receive([&](conversation_row& r) { row = r; },
             [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(row.id, conversation_id);
  CAF_CHECK_EQUAL(row.display_id, 1);
  CAF_CHECK_EQUAL(row.inbox_id, 10);
  CAF_CHECK_EQUAL(row.human_outgoing_public_count, 1);
  CAF_CHECK_EQUAL(row.last_minute.size(), 1u);
  CAF_CHECK(row.inbox_auto_assignment);
  inbox_row inbox;
  self->request(store, timeout, load_atom_v, inbox_atom_v, int64_t{10})
    .receive([&](inbox_row& r) { inbox = r; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_REQUIRE_EQUAL(inbox.members.size(), 1u);
  CAF_CHECK_EQUAL(inbox.members[0].name, "Alice");
  CAF_CHECK_EQUAL(inbox.waiting, std::vector<int64_t>{conversation_id});
  operator_row op;
  self->request(store, timeout, load_atom_v, operator_atom_v, int64_t{100})
    .receive([&](operator_row& r) { op = r; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_REQUIRE_EQUAL(op.accounts.size(), 1u);
  CAF_CHECK_EQUAL(op.accounts[0].inboxes, std::vector<int64_t>{10});
  std::optional<errc> missing;
  self->request(store, timeout, load_atom_v, conversation_atom_v, int64_t{999999})
    .receive([](conversation_row&) {}, [&](caf::error& e) { missing = from_caf_error(e).code; });
  CAF_CHECK(missing == errc::not_found);
}

CAF_TEST(an inbox creates conversations with per account display ids) {
  start();
  inbox_actor inbox;
  self->request(registry, timeout, inbox_atom_v, int64_t{10})
    .receive([&](inbox_actor& i) { inbox = i; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  conversation_row templ;
  templ.contact_id = 5;
  templ.status = 1;
  for (int expected = 2; expected <= 3; ++expected)
    self->request(inbox, timeout, create_atom_v, templ)
      .receive([&](conversation_row& r) { CAF_CHECK_EQUAL(r.display_id, expected); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM conversations WHERE inbox_id = 10 AND status = 1 AND "
                    "waiting_since = created_at"),
                  "2");
}

CAF_TEST(the ring and rate window of an inbox are saved and loaded back) {
  start();
  auto load = [&] {
    inbox_row out;
    self->request(store, timeout, load_atom_v, inbox_atom_v, int64_t{10})
      .receive([&](inbox_row& r) { out = r; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  };
  CAF_CHECK(load().ring.empty()); // never saved: the actor starts from the member list
  inbox_row state;
  state.id = 10;
  for (int round = 1; round <= 2; ++round) { // the second save replaces the first
    state.ring = {100 + round, 100};
    state.rate_users = {100, 100, 100 + round};
    state.rate_times
      = {1'700'000'000'000'000, 1'700'000'001'000'000, 1'700'000'002'000'000 + round};
    self->request(store, timeout, save_atom_v, inbox_atom_v, state)
      .receive([](bool) {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    auto back = load();
    CAF_CHECK_EQUAL(back.ring, state.ring);
    CAF_CHECK_EQUAL(back.rate_users, state.rate_users);
    CAF_CHECK_EQUAL(back.rate_times, state.rate_times);
    CAF_CHECK_EQUAL(back.members.size(), 1u);
  }
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM inbox_assignment_states"), "1");
  q("DELETE FROM inboxes WHERE id = 10 RETURNING id");
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM inbox_assignment_states"), "0");
}

CAF_TEST(availability changes are committed to account_users) {
  start();
  operator_actor op;
  self->request(registry, timeout, operator_atom_v, int64_t{100})
    .receive([&](operator_actor& o) { op = o; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  self->request(op, timeout, availability_atom_v, availability_command{1, 2, false})
    .receive([](operator_view&) {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(q("SELECT availability || ':' || auto_offline::text FROM account_users"),
                  "2:false");
}

CAF_TEST_FIXTURE_SCOPE_END()
