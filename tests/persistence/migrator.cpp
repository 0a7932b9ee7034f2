#define CAF_SUITE persistence.migrator
#include "persistence/migrator.hpp"

#include "tests/support/pg.hpp"

#include <caf/test/unit_test.hpp>

#include <thread>

using namespace messenger;
using namespace messenger::persistence;

namespace {

struct fixture {
  test::temp_database db;

  void migrate_all() {
    auto report = migrate(db.url(), embedded_migrations());
    CAF_REQUIRE(report.has_value());
  }

  std::string insert_account(const std::string& name) {
    return db.scalar("INSERT INTO accounts (name, created_at, updated_at) VALUES ('" + name
                     + "', now(), now()) RETURNING id");
  }

  std::string insert_conversation(const std::string& account_id) {
    return db.scalar("INSERT INTO conversations (account_id, inbox_id, created_at, updated_at) "
                     "VALUES ("
                     + account_id + ", 1, now(), now()) RETURNING display_id");
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(migrator_tests, fixture)

CAF_TEST(migrations are embedded in order) {
  const auto& all = embedded_migrations();
  CAF_REQUIRE(!all.empty());
  CAF_CHECK_EQUAL(all.front().version, "0001");
  for (size_t i = 1; i < all.size(); ++i)
    CAF_CHECK(all[i - 1].version < all[i].version);
}

CAF_TEST(migrations apply once and are idempotent) {
  auto first = migrate(db.url(), embedded_migrations());
  CAF_REQUIRE(first.has_value());
  CAF_CHECK_EQUAL(first->applied.size(), embedded_migrations().size());
  CAF_CHECK(first->already_applied.empty());
  auto second = migrate(db.url(), embedded_migrations());
  CAF_REQUIRE(second.has_value());
  CAF_CHECK(second->applied.empty());
  CAF_CHECK_EQUAL(second->already_applied.size(), embedded_migrations().size());
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM schema_migrations"),
                  std::to_string(embedded_migrations().size()));
  auto applied = migrations_applied(db.url(), embedded_migrations());
  CAF_REQUIRE(applied.has_value());
  CAF_CHECK(*applied);
}

CAF_TEST(a pending migration is reported and then applied) {
  migrate_all();
  auto extended = embedded_migrations();
  extended.push_back({"9999", "test_extra", "CREATE TABLE test_extra (id int)"});
  auto before = migrations_applied(db.url(), extended);
  CAF_REQUIRE(before.has_value());
  CAF_CHECK(!*before);
  auto report = migrate(db.url(), extended);
  CAF_REQUIRE(report.has_value());
  CAF_REQUIRE_EQUAL(report->applied.size(), 1u);
  CAF_CHECK_EQUAL(report->applied[0], "9999");
  CAF_CHECK_EQUAL(db.scalar("SELECT to_regclass('test_extra') IS NOT NULL"), "t");
}

CAF_TEST(a failing migration is rolled back and not recorded) {
  migrate_all();
  auto broken = embedded_migrations();
  broken.push_back({"9998", "broken", "CREATE TABLE half_done (id int); SELECT no_such_fn()"});
  auto report = migrate(db.url(), broken);
  CAF_CHECK(!report.has_value());
  CAF_CHECK_EQUAL(db.scalar("SELECT to_regclass('half_done') IS NULL"), "t");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM schema_migrations WHERE version = '9998'"), "0");
  // The advisory lock was released: a later migrator is not blocked.
  CAF_CHECK(migrate(db.url(), embedded_migrations()).has_value());
}

CAF_TEST(concurrent migrators do not collide) {
  constexpr int migrators = 4;
  std::vector<expected<migration_report>> reports(migrators, make_unexpected(errc::database_error));
  std::vector<std::thread> threads;
  for (int i = 0; i < migrators; ++i)
    threads.emplace_back(
      [&, i] { reports[static_cast<size_t>(i)] = migrate(db.url(), embedded_migrations()); });
  for (auto& t : threads)
    t.join();
  size_t applied_total = 0;
  for (const auto& report : reports) {
    CAF_REQUIRE(report.has_value());
    applied_total += report->applied.size();
  }
  CAF_CHECK_EQUAL(applied_total, embedded_migrations().size());
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM schema_migrations"),
                  std::to_string(embedded_migrations().size()));
}

CAF_TEST(display ids start at one per account and are independent) {
  migrate_all();
  auto a = insert_account("a");
  auto b = insert_account("b");
  CAF_CHECK_EQUAL(insert_conversation(a), "1");
  CAF_CHECK_EQUAL(insert_conversation(a), "2");
  CAF_CHECK_EQUAL(insert_conversation(b), "1");
  CAF_CHECK_EQUAL(insert_conversation(a), "3");
  CAF_CHECK_EQUAL(insert_conversation(b), "2");
  // The application's value is always overwritten by the trigger.
  CAF_CHECK_EQUAL(db.scalar("INSERT INTO conversations (account_id, inbox_id, display_id, "
                            "created_at, updated_at) VALUES ("
                            + b + ", 1, 999, now(), now()) RETURNING display_id"),
                  "3");
}

CAF_TEST(the unique source id index rejects a duplicate in the same inbox) {
  migrate_all();
  auto insert = [&](const std::string& inbox, const std::string& source) {
    return "INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, "
           "source_id, created_at, updated_at) VALUES (1, "
           + inbox + ", 1, 0, '" + source + "', now(), now())";
  };
  CAF_CHECK(!db.fails(insert("1", "wamid.1")));
  std::string what;
  CAF_CHECK(db.fails(insert("1", "wamid.1"), &what));
  CAF_CHECK(what.find("index_messages_on_inbox_id_and_source_id") != std::string::npos);
  CAF_CHECK(!db.fails(insert("2", "wamid.1"))); // another inbox may reuse it
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM messages"), "2");
}

CAF_TEST(content attributes must be a json object) {
  migrate_all();
  auto insert = [](const std::string& attrs) {
    return "INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, "
           "content_attributes, created_at, updated_at) VALUES (1, 1, 1, 0, '"
           + attrs + "', now(), now())";
  };
  CAF_CHECK(db.fails(insert("[]")));
  CAF_CHECK(!db.fails(insert("{\"in_reply_to\": 5}")));
}

CAF_TEST_FIXTURE_SCOPE_END()
