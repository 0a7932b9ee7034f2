#define CAF_SUITE cluster.membership
#include "cluster/membership.hpp"

#include "actors/persistence.hpp"
#include "actors/system_config.hpp"
#include "persistence/migrator.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/pg.hpp"

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>

#include <thread>

using namespace messenger;
using namespace messenger::actors;

namespace {

constexpr auto timeout = std::chrono::seconds{30};

struct fixture {
  test::temp_database db;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  writer_actor writer;
  membership_actor member;

  fixture() {
    CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
    persistence_options opts;
    opts.database_url = db.url();
    writer = spawn_writer(sys, opts);
    cluster::membership_options mopts;
    mopts.node_id = "node-a";
    mopts.http_addr = "127.0.0.1:3000";
    mopts.cluster_addr = "127.0.0.1:4000";
    mopts.heartbeat = std::chrono::seconds{3600}; // the test sends heartbeats itself
    member = cluster::spawn_membership(sys, writer, mopts);
  }

  ~fixture() {
    self->send_exit(member, caf::exit_reason::user_shutdown);
    self->send_exit(writer, caf::exit_reason::user_shutdown);
  }

  node_status call_status() {
    node_status out;
    self->request(member, timeout, status_atom_v)
      .receive([&](node_status& s) { out = s; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  }

  node_status leave() {
    node_status out;
    self->request(member, timeout, leave_atom_v)
      .receive([&](node_status& s) { out = s; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  }

  node_status join() {
    node_status out;
    self->request(member, timeout, join_atom_v)
      .receive([&](node_status& s) { out = s; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(membership_tests, fixture)

CAF_TEST(join writes a live row with a fresh incarnation and leave marks it left) {
  auto status = join();
  CAF_CHECK(status.joined);
  CAF_CHECK(status.incarnation > 0);
  CAF_CHECK_EQUAL(db.scalar("SELECT status || ' ' || incarnation || ' ' || "
                            "(lease_until > now())::text FROM cluster_nodes WHERE node_id = "
                            "'node-a'"),
                  "up " + std::to_string(status.incarnation) + " true");
  CAF_CHECK_EQUAL(db.scalar("SELECT http_addr FROM cluster_nodes"), "127.0.0.1:3000");
  auto left = leave();
  CAF_CHECK(!left.joined);
  CAF_CHECK_EQUAL(db.scalar("SELECT status FROM cluster_nodes WHERE node_id = 'node-a'"), "left");
}

CAF_TEST(a heartbeat renews the lease and a lost lease rejoins with a new incarnation) {
  auto first = join();
  db.scalar("UPDATE cluster_nodes SET lease_until = now() + interval '1 second'");
  self->send(member, heartbeat_atom_v, uint64_t{1});
  CAF_CHECK(test::eventually(
    [&] {
      return db.scalar("SELECT lease_until > now() + interval '5 seconds' FROM cluster_nodes")
             == "t";
    },
    timeout));
  CAF_CHECK_EQUAL(call_status().incarnation, first.incarnation);
  // The lease expired behind our back (e.g. the node was paused): re-join.
  db.scalar("UPDATE cluster_nodes SET lease_until = now() - interval '1 second'");
  self->send(member, heartbeat_atom_v, uint64_t{1});
  node_status now;
  CAF_CHECK(test::eventually(
    [&] {
      now = call_status();
      return now.joined && now.incarnation != first.incarnation;
    },
    timeout));
  CAF_CHECK(now.joined);
  CAF_CHECK(now.incarnation > first.incarnation);
  CAF_CHECK_EQUAL(db.scalar("SELECT incarnation FROM cluster_nodes"),
                  std::to_string(now.incarnation));
}

CAF_TEST(a stale heartbeat timer is ignored) {
  auto first = join();
  // A live lease of the current incarnation, with a heartbeat time no heartbeat writes: a
  // heartbeat that got through would renew it, so only the generation check stops the timer
  // of generation 0 (armed before the join).
  db.scalar("UPDATE cluster_nodes SET heartbeat_at = '2000-01-01', lease_until = now() + "
            "interval '1 hour'");
  self->send(member, heartbeat_atom_v, uint64_t{0});
  // Sentinel: the leave is handled after the timer and written by the same writer after
  // anything the timer wrote.
  CAF_CHECK(!leave().joined);
  CAF_CHECK_EQUAL(db.scalar("SELECT status || ' ' || incarnation || ' ' || heartbeat_at::date "
                            "FROM cluster_nodes"),
                  "left " + std::to_string(first.incarnation) + " 2000-01-01");
}

CAF_TEST(a heartbeat does not renew the lease of another incarnation) {
  auto first = join();
  // Another process joined under our node id (a newer incarnation, a live lease): our
  // heartbeat must not renew its row; we lost our lease and join again.
  auto other = std::to_string(first.incarnation + 1000);
  db.scalar("UPDATE cluster_nodes SET incarnation = " + other
            + ", heartbeat_at = '2000-01-01', lease_until = now() + interval '1 hour'");
  self->send(member, heartbeat_atom_v, uint64_t{1});
  node_status now;
  CAF_CHECK(test::eventually(
    [&] {
      now = call_status();
      return now.joined && now.incarnation != first.incarnation;
    },
    timeout));
  CAF_CHECK(now.incarnation > first.incarnation);
  CAF_CHECK_EQUAL(db.scalar("SELECT incarnation || ' ' || (heartbeat_at > '2000-01-01')::text "
                            "FROM cluster_nodes"),
                  std::to_string(now.incarnation) + " true");
}

CAF_TEST_FIXTURE_SCOPE_END()
