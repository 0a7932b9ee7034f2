#define CAF_SUITE cluster.membership
#include "cluster/membership.hpp"

#include "actors/persistence.hpp"
#include "actors/system_config.hpp"
#include "persistence/migrator.hpp"
#include "tests/support/pg.hpp"

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>

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
  node_status left;
  self->request(member, timeout, leave_atom_v)
    .receive([&](node_status& s) { left = s; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK(!left.joined);
  CAF_CHECK_EQUAL(db.scalar("SELECT status FROM cluster_nodes WHERE node_id = 'node-a'"), "left");
}

CAF_TEST(a heartbeat renews the lease and a lost lease rejoins with a new incarnation) {
  auto first = join();
  db.scalar("UPDATE cluster_nodes SET lease_until = now() + interval '1 second'");
  self->send(member, heartbeat_atom_v, uint64_t{1});
  for (int i = 0; i < 1000000; ++i)
    if (db.scalar("SELECT lease_until > now() + interval '5 seconds' FROM cluster_nodes") == "t")
      break;
  CAF_CHECK_EQUAL(db.scalar("SELECT lease_until > now() + interval '5 seconds' FROM cluster_nodes"),
                  "t");
  CAF_CHECK_EQUAL(call_status().incarnation, first.incarnation);
  // The lease expired behind our back (e.g. the node was paused): re-join.
  db.scalar("UPDATE cluster_nodes SET lease_until = now() - interval '1 second'");
  self->send(member, heartbeat_atom_v, uint64_t{1});
  node_status now;
  for (int i = 0; i < 1000000; ++i) {
    now = call_status();
    if (now.joined && now.incarnation != first.incarnation)
      break;
  }
  CAF_CHECK(now.joined);
  CAF_CHECK(now.incarnation > first.incarnation);
  CAF_CHECK_EQUAL(db.scalar("SELECT incarnation FROM cluster_nodes"),
                  std::to_string(now.incarnation));
}

CAF_TEST(a stale heartbeat timer is ignored) {
  auto first = join();
  db.scalar("UPDATE cluster_nodes SET lease_until = now() - interval '1 second'");
  self->send(member, heartbeat_atom_v, uint64_t{0}); // generation 0 is stale after join
  CAF_CHECK_EQUAL(call_status().incarnation, first.incarnation);
  CAF_CHECK_EQUAL(db.scalar("SELECT lease_until < now() FROM cluster_nodes"), "t");
}

CAF_TEST_FIXTURE_SCOPE_END()
