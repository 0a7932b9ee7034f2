#define CAF_SUITE config.load
#include "config/load.hpp"

#include <caf/test/unit_test.hpp>

#include <map>

using namespace messenger;
using namespace messenger::config;

namespace {

struct fixture {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;

  load_result run(std::vector<std::string> args) {
    return load(
      args,
      [this](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>{it->second};
      },
      [this](const std::string& path) -> std::optional<std::string> {
        auto it = files.find(path);
        return it == files.end() ? std::nullopt : std::optional<std::string>{it->second};
      });
  }

  bool has_error_containing(const load_result& res, const std::string& needle) {
    for (const auto& e : res.errors)
      if (e.find(needle) != std::string::npos)
        return true;
    return false;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(config_load_tests, fixture)

CAF_TEST(defaults apply when only the database url is given) {
  env["MESSENGER_DATABASE_URL"] = "postgresql://127.0.0.1/messenger";
  auto res = run({});
  CAF_REQUIRE(res.ok());
  const auto& cfg = res.config;
  CAF_CHECK_EQUAL(cfg.http_addr.host, "127.0.0.1");
  CAF_CHECK_EQUAL(cfg.http_addr.port, 3000u);
  CAF_CHECK_EQUAL(cfg.cluster_addr.port, 0u);
  CAF_CHECK_EQUAL(cfg.conversation_message_per_minute_limit, 200u);
  CAF_CHECK_EQUAL(cfg.assignment_limit, 5u);
  CAF_CHECK_EQUAL(cfg.assignment_window_s, 300u);
  CAF_CHECK_EQUAL(cfg.presence_duration_s, 20u);
  CAF_CHECK_EQUAL(cfg.rate_limit_per_ip, 3000u);
  CAF_CHECK_EQUAL(cfg.entity_idle_s, 600u);
  CAF_REQUIRE_EQUAL(cfg.rate_limit_allowed_ips.size(), 2u);
  CAF_CHECK_EQUAL(cfg.rate_limit_allowed_ips[1], "::1");
  CAF_CHECK(cfg.log_level == log::level::info);
  CAF_CHECK(cfg.node_id.empty());
  CAF_CHECK(cfg.platform_token_generated);
  CAF_CHECK_EQUAL(cfg.platform_token.size(), 48u);
}

CAF_TEST(flag beats env beats file beats default) {
  files["/etc/m.json"] = R"({"database_url": "postgresql://file/db", "http_addr": "0.0.0.0:1",
    "node_id": "from-file", "log_level": "error", "assignment_limit": 7,
    "rate_limit_allowed_ips": ["10.0.0.1", "10.0.0.2"]})";
  env["MESSENGER_HTTP_ADDR"] = "127.0.0.1:2";
  env["MESSENGER_NODE_ID"] = "from-env";
  env["MESSENGER_LOG_LEVEL"] = "warn";
  auto res = run({"--config", "/etc/m.json", "--node-id=from-flag", "--log-level", "debug"});
  CAF_REQUIRE(res.ok());
  CAF_CHECK_EQUAL(res.config.database_url, "postgresql://file/db"); // file only
  CAF_CHECK_EQUAL(res.config.http_addr.port, 2u);                   // env > file
  CAF_CHECK_EQUAL(res.config.node_id, "from-flag");                 // flag > env > file
  CAF_CHECK(res.config.log_level == log::level::debug);             // flag > env > file
  CAF_CHECK_EQUAL(res.config.assignment_limit, 7u);                 // file > default
  CAF_REQUIRE_EQUAL(res.config.rate_limit_allowed_ips.size(), 2u);
  CAF_CHECK_EQUAL(res.config.rate_limit_allowed_ips[0], "10.0.0.1");
}

CAF_TEST(an explicit platform token is kept and not reported as generated) {
  env["MESSENGER_DATABASE_URL"] = "postgresql://x/y";
  env["MESSENGER_PLATFORM_TOKEN"] = "0123456789abcdef-token";
  auto res = run({});
  CAF_REQUIRE(res.ok());
  CAF_CHECK_EQUAL(res.config.platform_token, "0123456789abcdef-token");
  CAF_CHECK(!res.config.platform_token_generated);
}

CAF_TEST(every error is reported together) {
  env["MESSENGER_HTTP_ADDR"] = "nonsense";
  env["MESSENGER_CONVERSATION_MESSAGE_PER_MINUTE_LIMIT"] = "-3";
  env["MESSENGER_ASSIGNMENT_WINDOW_S"] = "abc";
  env["MESSENGER_LOG_LEVEL"] = "loud";
  env["MESSENGER_PLATFORM_TOKEN"] = "short";
  auto res = run({"--cluster-addr", "127.0.0.1:99999", "--bogus"});
  CAF_CHECK(!res.ok());
  CAF_CHECK(has_error_containing(res, "MESSENGER_DATABASE_URL"));
  CAF_CHECK(has_error_containing(res, "MESSENGER_HTTP_ADDR"));
  CAF_CHECK(has_error_containing(res, "MESSENGER_CONVERSATION_MESSAGE_PER_MINUTE_LIMIT"));
  CAF_CHECK(has_error_containing(res, "MESSENGER_ASSIGNMENT_WINDOW_S"));
  CAF_CHECK(has_error_containing(res, "MESSENGER_LOG_LEVEL"));
  CAF_CHECK(has_error_containing(res, "MESSENGER_PLATFORM_TOKEN"));
  CAF_CHECK(has_error_containing(res, "--cluster-addr"));
  CAF_CHECK(has_error_containing(res, "--bogus"));
  CAF_CHECK_EQUAL(res.errors.size(), 8u);
}

CAF_TEST(bad config files are errors) {
  files["/bad.json"] = "{not json";
  auto res = run({"--config", "/bad.json"});
  CAF_CHECK(has_error_containing(res, "is not a JSON object"));
  auto missing = run({"--config", "/missing.json"});
  CAF_CHECK(has_error_containing(missing, "cannot read"));
  files["/unknown.json"] = R"({"database_url": "postgresql://a/b", "colour": "blue",
    "assignment_limit": {"x": 1}})";
  auto unknown = run({"--config", "/unknown.json"});
  CAF_CHECK(has_error_containing(unknown, "unknown key 'colour'"));
  CAF_CHECK(has_error_containing(unknown, "'assignment_limit' must be"));
  CAF_CHECK_EQUAL(unknown.errors.size(), 2u);
}

CAF_TEST(flags without a value and switches) {
  env["MESSENGER_DATABASE_URL"] = "postgresql://x/y";
  auto res = run({"--migrate-only", "--http-addr"});
  CAF_CHECK(res.config.migrate_only);
  CAF_CHECK(has_error_containing(res, "--http-addr: missing value"));
  auto ipv6 = run({"--http-addr", "[::1]:0"});
  CAF_REQUIRE(ipv6.ok());
  CAF_CHECK_EQUAL(ipv6.config.http_addr.host, "::1");
  CAF_CHECK_EQUAL(ipv6.config.http_addr.str(), "[::1]:0");
}

CAF_TEST(help needs no database) {
  auto res = run({"--help"});
  CAF_CHECK(res.ok());
  CAF_CHECK(res.config.show_help);
  CAF_CHECK(usage().find("MESSENGER_ASSIGNMENT_WINDOW_S") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
