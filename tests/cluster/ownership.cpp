#define CAF_SUITE cluster.ownership
// Entity ownership and fencing in PostgreSQL (migration 0006), through the writer as the
// product uses it: the acquire, the fence every entity write starts with, the release, and
// the liveness lock that tells a dead process from a paused one.
#include "actors/errors.hpp"
#include "actors/persistence.hpp"
#include "actors/system_config.hpp"
#include "cluster/liveness.hpp"
#include "persistence/migrator.hpp"
#include "persistence/queries/cluster.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/pg.hpp"

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>

#include <optional>
#include <variant>

using namespace messenger;
using namespace messenger::actors;
namespace cq = persistence::queries::cluster;

namespace {

constexpr auto timeout = std::chrono::seconds{30};

struct fixture {
  test::temp_database db;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  writer_actor writer;
  liveness_actor lock_a;
  liveness_actor lock_b;

  fixture() {
    CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
    persistence_options opts;
    opts.database_url = db.url();
    writer = spawn_writer(sys, opts);
    lock_a = cluster::spawn_liveness(sys, db.url());
    lock_b = cluster::spawn_liveness(sys, db.url());
    // Two live members with ten-minute leases: node-a incarnation 1, node-b incarnation 2.
    db.scalar("INSERT INTO cluster_nodes (node_id, incarnation, status, lease_until) VALUES "
              "('node-a', 1, 'up', now() + interval '10 minutes'), "
              "('node-b', 2, 'up', now() + interval '10 minutes')");
    CAF_REQUIRE(lock(lock_a, 1));
    CAF_REQUIRE(lock(lock_b, 2));
  }

  ~fixture() {
    for (auto hdl : {lock_a, lock_b})
      self->send_exit(hdl, caf::exit_reason::user_shutdown);
    self->send_exit(writer, caf::exit_reason::user_shutdown);
  }

  bool lock(const liveness_actor& hdl, int64_t incarnation) {
    bool held = false;
    self->request(hdl, timeout, lock_atom_v, incarnation)
      .receive([&](bool b) { held = b; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return held;
  }

  /// The write's outcome: its results, or the error code it failed with.
  std::variant<persistence::write_result, errc> write(std::vector<persistence::statement> stmts) {
    std::variant<persistence::write_result, errc> out = errc::timeout;
    self->request(writer, timeout, write_atom_v, persistence::write_command{std::move(stmts)})
      .receive([&](persistence::write_result& r) { out = r; },
               [&](caf::error& e) { out = from_caf_error(e).code; });
    return out;
  }

  std::optional<int64_t> acquire(const std::string& node, int64_t incarnation) {
    auto res = write({cq::acquire("conversation", 42, node, incarnation)});
    if (auto* r = std::get_if<persistence::write_result>(&res))
      return cq::read_epoch(r->results.at(0));
    CAF_FAIL("acquire failed: " << to_string(std::get<errc>(res)));
    return std::nullopt;
  }

  /// A fenced write of a marker row (a label), as an entity's transaction does it.
  std::variant<persistence::write_result, errc> fenced_write(int64_t epoch,
                                                             const std::string& tag) {
    return write(
      {cq::fence("conversation", 42, epoch),
       persistence::statement{"INSERT INTO accounts (name, created_at, updated_at) VALUES ('" + tag
                                + "', now(), now())",
                              {}}});
  }

  std::string stored(const std::string& tag) {
    return db.scalar("SELECT count(*) FROM accounts WHERE name = '" + tag + "'");
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ownership_tests, fixture)

CAF_TEST(a live owner keeps its entity and its writes pass the fence) {
  auto first = acquire("node-a", 1);
  CAF_REQUIRE(first.has_value());
  CAF_CHECK_EQUAL(*first, 1);
  CAF_CHECK(!acquire("node-b", 2).has_value()); // held by a live member
  CAF_CHECK(std::holds_alternative<persistence::write_result>(fenced_write(*first, "w1")));
  CAF_CHECK_EQUAL(stored("w1"), "1");
  // The same incarnation re-acquiring (its actor restarted) gets a new epoch: the old
  // token is dead.
  auto again = acquire("node-a", 1);
  CAF_REQUIRE(again.has_value());
  CAF_CHECK_EQUAL(*again, 2);
  auto stale = fenced_write(*first, "w2");
  CAF_REQUIRE(std::holds_alternative<errc>(stale));
  CAF_CHECK(std::get<errc>(stale) == errc::fenced);
  CAF_CHECK_EQUAL(stored("w2"), "0");
}

CAF_TEST(a paused owner past its lease is taken over and its late write is rejected) {
  auto epoch_a = acquire("node-a", 1);
  CAF_REQUIRE(epoch_a.has_value());
  // node-a is paused (SIGSTOP): its process and its lock live on, its lease runs out.
  db.scalar("UPDATE cluster_nodes SET lease_until = now() - interval '1 second' "
            "WHERE node_id = 'node-a'");
  auto epoch_b = acquire("node-b", 2);
  CAF_REQUIRE(epoch_b.has_value());
  CAF_CHECK_GREATER(*epoch_b, *epoch_a);
  // node-a resumes and writes under its old epoch: rejected, nothing stored.
  auto zombie = fenced_write(*epoch_a, "zombie");
  CAF_REQUIRE(std::holds_alternative<errc>(zombie));
  CAF_CHECK(std::get<errc>(zombie) == errc::fenced);
  CAF_CHECK_EQUAL(stored("zombie"), "0");
  CAF_CHECK(std::holds_alternative<persistence::write_result>(fenced_write(*epoch_b, "owner")));
  CAF_CHECK_EQUAL(stored("owner"), "1");
  // A node whose lease expired cannot acquire anything until it joined again.
  CAF_CHECK(!acquire("node-a", 1).has_value());
}

CAF_TEST(a dead process loses its lock and is taken over before its lease expires) {
  CAF_REQUIRE(acquire("node-a", 1).has_value());
  CAF_CHECK(!acquire("node-b", 2).has_value());
  CAF_CHECK_EQUAL(db.scalar("SELECT messenger_incarnation_dead(1)"), "f");
  // kill -9: the process's sessions close, its liveness lock with them.
  self->send_exit(lock_a, caf::exit_reason::kill);
  lock_a = cluster::spawn_liveness(sys, db.url()); // (the fixture stops it)
  // The backend ends asynchronously.
  CAF_REQUIRE(test::eventually(
    [&] { return db.scalar("SELECT messenger_incarnation_dead(1)") == "t"; }, timeout));
  CAF_CHECK_EQUAL(db.scalar("SELECT lease_until > now() FROM cluster_nodes "
                            "WHERE node_id = 'node-a'"),
                  "t"); // the lease alone would still protect it
  auto epoch_b = acquire("node-b", 2);
  CAF_REQUIRE(epoch_b.has_value());
  CAF_CHECK_EQUAL(db.scalar("SELECT owner_node FROM entity_owners"), "node-b");
}

CAF_TEST(a released entity is free for anyone and a release under an old epoch is ignored) {
  auto epoch_a = acquire("node-a", 1);
  CAF_REQUIRE(epoch_a.has_value());
  CAF_CHECK(std::holds_alternative<persistence::write_result>(
    write({cq::release("conversation", 42, *epoch_a + 7)})));
  CAF_CHECK(!acquire("node-b", 2).has_value()); // still node-a's
  CAF_CHECK(std::holds_alternative<persistence::write_result>(
    write({cq::release("conversation", 42, *epoch_a)})));
  auto epoch_b = acquire("node-b", 2);
  CAF_REQUIRE(epoch_b.has_value());
  CAF_CHECK_EQUAL(*epoch_b, *epoch_a + 1);
}

CAF_TEST(the live members leave out expired leases and dead processes) {
  db.scalar("INSERT INTO cluster_nodes (node_id, incarnation, status, lease_until) VALUES "
            "('node-c', 3, 'up', now() - interval '1 second')");
  auto res = write({cq::live_members()});
  CAF_REQUIRE(std::holds_alternative<persistence::write_result>(res));
  auto members = cq::read_members(std::get<persistence::write_result>(res).results.at(0));
  CAF_REQUIRE_EQUAL(members.size(), 2u);
  CAF_CHECK_EQUAL(members[0].node_id, "node-a");
  CAF_CHECK_EQUAL(members[1].node_id, "node-b");
}

CAF_TEST(every node must run with the same timings) {
  cq::timing_settings mine{10, 3, 1000, 4000};
  auto agree = [&](const std::string& node, const cq::timing_settings& s) {
    auto res = write({cq::agree_settings(node, s)});
    CAF_REQUIRE(std::holds_alternative<persistence::write_result>(res));
    return cq::read_settings(std::get<persistence::write_result>(res).results.at(0));
  };
  auto first = agree("node-a", mine);
  CAF_REQUIRE(first.has_value());
  CAF_CHECK(*first == mine);
  // node-a is live: node-b may not change them, and sees the stored ones.
  auto other = agree("node-b", {10, 3, 1000, 9000});
  CAF_REQUIRE(other.has_value());
  CAF_CHECK(*other == mine);
  // With nobody else live (leases gone), a restarted cluster may change them.
  db.scalar("UPDATE cluster_nodes SET lease_until = now() - interval '1 second'");
  auto changed = agree("node-b", {10, 3, 1000, 9000});
  CAF_REQUIRE(changed.has_value());
  CAF_CHECK_EQUAL(changed->peer_timeout_ms, 9000);
}

CAF_TEST(the fence finds its row by the index even with a plan cached while the table was small) {
  // A session plans the fence while entity_owners holds 100 (analyzed) rows, then the table
  // grows to 20,000 before the next autoanalyze: the fences after that must not scan it
  // (migration 0008; a stale sequential scan cost 4.8 ms per write in bench_http_ingest).
  db.scalar("CREATE TABLE fence_probe (seq_scans bigint)");
  db.scalar(R"sql(DO $$
DECLARE
  before bigint;
BEGIN
  INSERT INTO entity_owners SELECT 'inbox', g::text, 'n', 1, 5 FROM generate_series(1, 100) g;
  ANALYZE entity_owners;
  FOR i IN 1..10 LOOP PERFORM messenger_fence('inbox', i::text, 5); END LOOP;
  INSERT INTO entity_owners
  SELECT 'conversation', g::text, 'n', 1, 5 FROM generate_series(1, 20000) g;
  SELECT seq_scan INTO before FROM pg_stat_xact_user_tables WHERE relname = 'entity_owners';
  FOR i IN 1..100 LOOP PERFORM messenger_fence('conversation', i::text, 5); END LOOP;
  INSERT INTO fence_probe
  SELECT seq_scan - before FROM pg_stat_xact_user_tables WHERE relname = 'entity_owners';
END $$)sql");
  CAF_CHECK_EQUAL(db.scalar("SELECT seq_scans FROM fence_probe"), "0");
}

CAF_TEST_FIXTURE_SCOPE_END()
