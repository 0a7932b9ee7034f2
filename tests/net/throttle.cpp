#define CAF_SUITE net.throttle
#include "persistence/migrator.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg.hpp"

#include <caf/test/unit_test.hpp>

#include "app/node.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>

using namespace messenger;
using namespace std::chrono_literals;

namespace {

using wall = std::chrono::system_clock;

/// The throttle's clock, set by the test: the windows turn only when the test moves it.
struct manual_clock {
  /// A minute boundary (the windows are aligned to the epoch).
  static constexpr auto window_start = wall::time_point{std::chrono::minutes{29'000'000}};

  std::shared_ptr<std::atomic<wall::duration::rep>> ticks
    = std::make_shared<std::atomic<wall::duration::rep>>(0);

  void set(wall::duration since_window_start) {
    ticks->store((window_start.time_since_epoch() + since_window_start).count());
  }

  std::function<wall::time_point()> function() const {
    return [t = ticks] { return wall::time_point{wall::duration{t->load()}}; };
  }
};

struct fixture {
  test::temp_database db;
  manual_clock clock;

  fixture() {
    CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
  }

  config::app_config make_config(const std::string& node_id) {
    config::app_config cfg;
    cfg.database_url = db.url();
    cfg.http_addr = {"127.0.0.1", 0};
    cfg.node_id = node_id;
    cfg.platform_token = "platform-token-for-tests-0123456789";
    cfg.rate_limit_allowed_ips = {};
    cfg.rate_limit_clock = clock.function();
    return cfg;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(throttle_tests, fixture)

CAF_TEST(requests over the per ip limit get 429 until the window turns unless the ip is allowed) {
  auto cfg = make_config("throttle-test");
  cfg.rate_limit_per_ip = 3;
  app::node node{cfg};
  auto port = node.start();
  CAF_REQUIRE(port.has_value());
  clock.set(10s);
  for (int i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/healthz").status, 200);
  auto refused = test::http_call(*port, "GET", "/healthz");
  CAF_CHECK_EQUAL(refused.status, 429);
  CAF_CHECK_EQUAL(refused.body, R"({"error":"Retry later"})");
  CAF_CHECK_EQUAL(refused.headers["retry-after"], "50"); // the window ends at 60 s
  // The last moment of the window still counts against it.
  clock.set(59s + 999ms);
  auto last = test::http_call(*port, "GET", "/healthz");
  CAF_CHECK_EQUAL(last.status, 429);
  CAF_CHECK_EQUAL(last.headers["retry-after"], "1");
  // At the boundary the counter starts again: three more, then refused.
  clock.set(60s);
  for (int i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/healthz").body, R"({"status":"ok"})");
  auto again = test::http_call(*port, "GET", "/healthz");
  CAF_CHECK_EQUAL(again.status, 429);
  CAF_CHECK_EQUAL(again.headers["retry-after"], "60");
  node.shutdown();

  cfg.rate_limit_allowed_ips = {"127.0.0.1"};
  app::node exempt{cfg};
  auto port2 = exempt.start();
  CAF_REQUIRE(port2.has_value());
  for (int i = 0; i < 10; ++i)
    CAF_CHECK_EQUAL(test::http_call(*port2, "GET", "/healthz").status, 200);
  exempt.shutdown();
}

CAF_TEST(requests over the per token limit get 429 until the window turns) {
  auto cfg = make_config("throttle-token-test");
  cfg.rate_limit_per_token = 2;
  app::node node{cfg};
  auto port = node.start();
  CAF_REQUIRE(port.has_value());
  std::map<std::string, std::string> a{{"api_access_token", "token-a"}};
  std::map<std::string, std::string> b{{"api_access_token", "token-b"}};
  clock.set(30s);
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/api/v1/profile", "", a).status, 401);
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/api/v1/profile", "", a).status, 401);
  auto refused = test::http_call(*port, "GET", "/api/v1/profile", "", a);
  CAF_CHECK_EQUAL(refused.status, 429);
  CAF_CHECK_EQUAL(refused.body, R"({"error":"Retry later"})");
  CAF_CHECK_EQUAL(refused.headers["retry-after"], "30");
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/api/v1/profile", "", b).status, 401);
  // The next window: token a is counted from zero again.
  clock.set(60s);
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/api/v1/profile", "", a).status, 401);
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/api/v1/profile", "", a).status, 401);
  CAF_CHECK_EQUAL(test::http_call(*port, "GET", "/api/v1/profile", "", a).status, 429);
  node.shutdown();
}

CAF_TEST_FIXTURE_SCOPE_END()
