// messengerd: one messenger node. config -> migrate -> node -> wait for a signal -> drain.
#include "config/load.hpp"
#include "domain/backoff.hpp"
#include "persistence/migrator.hpp"

#include "app/node.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

namespace {

using namespace messenger;

/// Applies the migrations, retrying while the database is not reachable (up to ~30 s).
int run_migrations(const config::app_config& cfg) {
  domain::backoff retry{std::chrono::milliseconds{200}, std::chrono::seconds{5}};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  for (uint32_t attempt = 0;; ++attempt) {
    auto report = persistence::migrate(cfg.database_url, persistence::embedded_migrations());
    if (report) {
      log::info("migrations_done", log::fields{}("applied", report->applied.size())(
                                     "already_applied", report->already_applied.size()));
      return 0;
    }
    if (report.error().code != errc::database_unavailable
        || std::chrono::steady_clock::now() > deadline) {
      std::cerr << "messengerd: migration failed: " << report.error().detail << "\n";
      return 1;
    }
    log::warn("database_unreachable", log::fields{}("attempt", attempt + 1));
    std::this_thread::sleep_for(retry.delay(attempt));
  }
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto loaded = config::load(args, config::process_env());
  if (loaded.config.show_help) {
    std::cout << config::usage();
    return 0;
  }
  if (!loaded.ok()) {
    for (const auto& problem : loaded.errors)
      std::cerr << "messengerd: config: " << problem << "\n";
    return 2;
  }
  auto cfg = loaded.config;
  log::set_level(cfg.log_level);

  // Signals are taken synchronously by sigwait in this thread; every thread started
  // later inherits the mask.
  std::signal(SIGPIPE, SIG_IGN);
  // A shell starts background jobs with SIGINT ignored; sigwait needs it delivered.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (int rc = run_migrations(cfg); rc != 0)
    return rc;
  if (cfg.migrate_only) {
    std::cout << "migrations applied" << std::endl;
    return 0;
  }

  app::node node{cfg};
  auto port = node.start();
  if (!port) {
    std::cerr << "messengerd: " << port.error().detail << "\n";
    // A node whose settings cannot work in this cluster is a configuration error.
    return port.error().code == errc::invalid_argument ? 2 : 1;
  }
  std::cout << "listening on http://" << config::host_port{cfg.http_addr.host, *port}.str()
            << std::endl;
  if (cfg.platform_token_generated)
    std::cout << "platform token: " << cfg.platform_token << std::endl;
  std::cout << "node id: " << node.node_id() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  log::info("signal", log::fields{}("signal", received == SIGTERM ? "SIGTERM" : "SIGINT"));
  node.shutdown();
  return 0;
}
