#define CAF_SUITE net.throttle
#include "persistence/migrator.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg.hpp"

#include <caf/test/unit_test.hpp>

#include "app/node.hpp"

using namespace messenger;

CAF_TEST(requests over the per ip limit get 429 unless the ip is allowed) {
  test::temp_database db;
  CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
  config::app_config cfg;
  cfg.database_url = db.url();
  cfg.http_addr = {"127.0.0.1", 0};
  cfg.node_id = "throttle-test";
  cfg.platform_token = "platform-token-for-tests-0123456789";
  cfg.rate_limit_per_ip = 3;
  cfg.rate_limit_allowed_ips = {};
  app::node node{cfg};
  auto port = node.start();
  CAF_REQUIRE(port.has_value());
  for (int i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/healthz").status, 200);
  auto refused = test::http_call(*port, "GET", "/healthz");
  CAF_CHECK_EQUAL(refused.status, 429);
  CAF_CHECK_EQUAL(refused.body, R"({"error":"Retry later"})");
  CAF_CHECK(refused.headers.count("retry-after") == 1);
  node.shutdown();

  cfg.rate_limit_allowed_ips = {"127.0.0.1"};
  app::node exempt{cfg};
  auto port2 = exempt.start();
  CAF_REQUIRE(port2.has_value());
  for (int i = 0; i < 10; ++i)
    CAF_CHECK_EQUAL(test::http_call(*port2, "GET", "/healthz").status, 200);
  exempt.shutdown();
}

CAF_TEST(requests over the per token limit get 429) {
  test::temp_database db;
  CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
  config::app_config cfg;
  cfg.database_url = db.url();
  cfg.http_addr = {"127.0.0.1", 0};
  cfg.node_id = "throttle-token-test";
  cfg.platform_token = "platform-token-for-tests-0123456789";
  cfg.rate_limit_per_token = 2;
  cfg.rate_limit_allowed_ips = {};
  app::node node{cfg};
  auto port = node.start();
  CAF_REQUIRE(port.has_value());
  std::map<std::string, std::string> a{{"api_access_token", "token-a"}};
  std::map<std::string, std::string> b{{"api_access_token", "token-b"}};
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/api/v1/profile", "", a).status, 401);
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/api/v1/profile", "", a).status, 401);
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/api/v1/profile", "", a).status, 429);
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/api/v1/profile", "", b).status, 401);
  node.shutdown();
}
