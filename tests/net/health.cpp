#define CAF_SUITE net.health
#include "persistence/migrator.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg.hpp"

#include <caf/test/unit_test.hpp>

#include "app/node.hpp"

using namespace messenger;

namespace {

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
  CAF_CHECK(ready.body.find(R"("database":true)") != std::string::npos);
  CAF_CHECK(ready.body.find(R"("cluster":true)") != std::string::npos);
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
