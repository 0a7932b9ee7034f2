#define CAF_SUITE net.health
#include "persistence/migrator.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg.hpp"

#include <caf/test/unit_test.hpp>

#include "app/node.hpp"

#include <thread>

using namespace messenger;

namespace {

constexpr const char* ready_body
  = R"({"status":"ready","checks":{"database":true,"migrations":true,"cluster":true}})";

/// GET /readyz until its body is `body` (true), with a short pause between tries, for at
/// most 20 s (false); `last` keeps the last answer.
bool readyz_until(uint16_t port, const std::string& body, test::http_reply& last) {
  return test::eventually(
    [&] {
      last = test::http_call(port, "GET", "/readyz");
      return last.body == body;
    },
    std::chrono::seconds{20});
}

struct fixture {
  test::temp_database db;

  config::app_config make_config() {
    config::app_config cfg;
    cfg.database_url = db.url();
    cfg.http_addr = {"127.0.0.1", 0};
    cfg.node_id = "health-test";
    cfg.platform_token = "test-platform-token-0123456789";
    return cfg;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(health_tests, fixture)

CAF_TEST(a node on port zero serves healthz and readyz) {
  CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
  app::node node{make_config()};
  auto port = node.start();
  CAF_REQUIRE(port.has_value());
  CAF_CHECK_NOT_EQUAL(*port, 0u);
  auto health = test::http_call(*port, "GET", "/healthz");
  CAF_CHECK_EQUAL(health.status, 200);
  CAF_CHECK_EQUAL(health.body, R"({"status":"ok"})");
  CAF_CHECK(health.headers["content-type"].find("application/json") == 0);
  auto ready = test::http_call(*port, "GET", "/readyz");
  CAF_CHECK_EQUAL(ready.status, 200);
  CAF_CHECK_EQUAL(ready.body, ready_body);
  CAF_CHECK_EQUAL(db.scalar("SELECT status FROM cluster_nodes WHERE node_id = 'health-test'"),
                  "up");
  auto missing = test::http_call(*port, "GET", "/nope");
  CAF_CHECK_EQUAL(missing.status, 404);
  CAF_CHECK_EQUAL(missing.body, R"({"error":"Resource could not be found"})");
  node.shutdown();
  CAF_CHECK_EQUAL(db.scalar("SELECT status FROM cluster_nodes WHERE node_id = 'health-test'"),
                  "left");
}

CAF_TEST(readyz is 503 while the database is unreachable) {
  auto cfg = make_config();
  cfg.database_url = "postgresql://127.0.0.1:1/nothing?connect_timeout=1";
  app::node node{cfg};
  auto port = node.start();
  CAF_REQUIRE(port.has_value());
  auto health = test::http_call(*port, "GET", "/healthz");
  CAF_CHECK_EQUAL(health.status, 200);
  auto ready = test::http_call(*port, "GET", "/readyz");
  CAF_CHECK_EQUAL(ready.status, 503);
  CAF_CHECK(ready.body.find(R"("database":false)") != std::string::npos);
  CAF_CHECK(ready.body.find(R"("cluster":false)") != std::string::npos);
}

CAF_TEST(readyz is 503 while a migration of this binary is not applied) {
  CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
  // The database lacks the newest migration (the schema is complete, so everything else
  // works: the node joins the cluster).
  auto newest = persistence::embedded_migrations().back();
  db.scalar("DELETE FROM schema_migrations WHERE version = '" + newest.version + "'");
  app::node node{make_config()};
  auto port = node.start();
  CAF_REQUIRE(port.has_value());
  auto ready = test::http_call(*port, "GET", "/readyz");
  CAF_CHECK_EQUAL(ready.status, 503);
  CAF_CHECK_EQUAL(ready.body, R"({"status":"not_ready","checks":{"database":true,)"
                              R"("migrations":false,"cluster":true}})");
  // Applied (by another node): ready.
  db.scalar("INSERT INTO schema_migrations (version, name) VALUES ('" + newest.version + "', '"
            + newest.name + "')");
  ready = test::http_call(*port, "GET", "/readyz");
  CAF_CHECK_EQUAL(ready.status, 200);
  CAF_CHECK_EQUAL(ready.body, ready_body);
}

CAF_TEST(readyz is 503 while the node has lost its lease) {
  CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
  auto cfg = make_config();
  cfg.cluster_heartbeat_s = 1;
  app::node node{cfg};
  auto port = node.start();
  CAF_REQUIRE(port.has_value());
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/readyz").body, ready_body);
  auto first = db.scalar("SELECT incarnation FROM cluster_nodes WHERE node_id = 'health-test'");
  // The lease expires behind the node's back and it cannot join again (the incarnation
  // sequence is exhausted): its next heartbeat finds the lease lost.
  db.scalar("SELECT setval('cluster_incarnation_seq', 1000)");
  db.scalar("ALTER SEQUENCE cluster_incarnation_seq MAXVALUE 1000");
  db.scalar("UPDATE cluster_nodes SET lease_until = now() - interval '1 second'");
  test::http_reply ready;
  CAF_CHECK(readyz_until(*port,
                         R"({"status":"not_ready","checks":{"database":true,)"
                         R"("migrations":true,"cluster":false}})",
                         ready));
  CAF_CHECK_EQUAL(ready.status, 503);
  CAF_CHECK_EQUAL(db.scalar("SELECT incarnation || ' ' || (lease_until < now())::text FROM "
                            "cluster_nodes WHERE node_id = 'health-test'"),
                  first + " true");
  // Once it can join again, it is ready with a new incarnation and a live lease.
  db.scalar("ALTER SEQUENCE cluster_incarnation_seq NO MAXVALUE");
  CAF_CHECK(readyz_until(*port, ready_body, ready));
  CAF_CHECK_EQUAL(ready.status, 200);
  CAF_CHECK_EQUAL(db.scalar("SELECT incarnation > " + first
                            + " AND lease_until > now() FROM cluster_nodes WHERE node_id = "
                              "'health-test'"),
                  "t");
}

CAF_TEST(oversized bodies get 413 and garbage gets 400) {
  CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
  app::node node{make_config()};
  auto port = node.start();
  CAF_REQUIRE(port.has_value());
  auto big = test::http_call(*port, "POST", "/healthz", std::string(2 * 1024 * 1024, 'x'));
  CAF_CHECK_EQUAL(big.status, 413);
  auto garbage = test::raw_call(*port, "NOT HTTP AT ALL\r\n\r\n");
  CAF_CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);
  // Two pipelined requests on one connection are answered in order.
  auto both = test::raw_call(*port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                    "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto first = both.find("HTTP/1.1 200");
  auto second = both.find("HTTP/1.1 404");
  CAF_CHECK(first != std::string::npos && second != std::string::npos && first < second);
}

CAF_TEST_FIXTURE_SCOPE_END()
