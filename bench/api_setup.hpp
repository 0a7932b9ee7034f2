#pragma once

// Starting a node inside a benchmark and calling its API during the bootstrap.

#include "persistence/migrator.hpp"

#include "app/node.hpp"
#include "bench/load_client.hpp"
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace messenger::bench {

inline const std::string platform_token = "bench-platform-token-0123456789abcdef";

/// Migrates the (empty) database and starts a node on port 0 with the benchmark's platform
/// token; exits the process when that fails.
inline std::unique_ptr<app::node> start_node(const std::string& url, const std::string& node_id,
                                             uint16_t& port) {
  if (!persistence::migrate(url, persistence::embedded_migrations())) {
    std::cerr << "migration failed\n";
    std::exit(1);
  }
  config::app_config cfg;
  cfg.database_url = url;
  cfg.http_addr = {"127.0.0.1", 0};
  cfg.node_id = node_id;
  cfg.platform_token = platform_token;
  cfg.log_level = log::level::warn;
  log::set_level(log::level::warn);
  auto node = std::make_unique<app::node>(cfg);
  auto started = node->start();
  if (!started) {
    std::cerr << "node failed to start\n";
    std::exit(1);
  }
  port = *started;
  return node;
}

/// One API call that must answer 200; its JSON body (the process exits otherwise).
inline nlohmann::json api_call(keepalive_client& c, const std::string& method,
                               const std::string& target, const nlohmann::json& body,
                               const std::string& token) {
  std::string out;
  int status = c.call(method, target, body.dump(), token, &out);
  if (status != 200) {
    std::cerr << method << " " << target << " -> " << status << " " << out << "\n";
    std::exit(1);
  }
  return out.empty() ? nlohmann::json{} : nlohmann::json::parse(out);
}

/// An account created through the Platform API with its first administrator.
struct bench_account {
  int64_t id = 0;
  nlohmann::json admin; ///< the Platform API's user: id, access_token, pubsub_token, …
  std::string token;    ///< the administrator's api_access_token
  std::string base;     ///< "/api/v1/accounts/{id}"
};

inline bench_account create_account(keepalive_client& c, const std::string& name) {
  bench_account out;
  out.admin
    = api_call(c, "POST", "/platform/api/v1/users",
               {{"name", name + " admin"}, {"email", "admin@" + name + ".test"}}, platform_token);
  out.token = out.admin["access_token"].get<std::string>();
  out.id = api_call(c, "POST", "/platform/api/v1/accounts", {{"name", name}}, platform_token)["id"]
             .get<int64_t>();
  api_call(c, "POST", "/platform/api/v1/accounts/" + std::to_string(out.id) + "/account_users",
           {{"user_id", out.admin["id"]}, {"role", "administrator"}}, platform_token);
  out.base = "/api/v1/accounts/" + std::to_string(out.id);
  return out;
}

} // namespace messenger::bench
