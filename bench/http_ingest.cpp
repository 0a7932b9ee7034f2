// B1 (docs/PERF.md §4): durable message ingest through the Chatwoot HTTP API, with the COPY
// ceiling of the same database measured in the same run as the reference.
//   bench_http_ingest DATABASE_URL [seconds=10] [connections=64] [conversations=10000]
//                     [accounts=100]
// DATABASE_URL names an empty database: the bench migrates it, starts a node on port 0 in
// this process, bootstraps accounts, inboxes, contacts and conversations through the API,
// then posts `POST …/conversations/{id}/messages` over keep-alive connections. A 200 means
// committed (synchronous_commit as the server has it). Prints msgs/s, latency percentiles,
// the COPY rows/s and their ratio; the ratio is the claim.
#include "persistence/migrator.hpp"

#include "app/node.hpp"
#include "bench/load_client.hpp"
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

using namespace messenger;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

const std::string platform = "bench-platform-token-0123456789abcdef";

struct conversation_ref {
  int64_t account = 0;
  int64_t display_id = 0;
};

json call(bench::keepalive_client& c, const std::string& method, const std::string& target,
          const json& body, const std::string& token) {
  std::string out;
  int status = c.call(method, target, body.dump(), token, &out);
  if (status != 200) {
    std::cerr << method << " " << target << " -> " << status << " " << out << "\n";
    std::exit(1);
  }
  return json::parse(out);
}

/// Rows per second of one COPY stream into a messages-shaped table (the reference).
double copy_ceiling(const std::string& url, int rows) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::cerr << PQerrorMessage(conn);
    std::exit(1);
  }
  PQclear(PQexec(conn, "DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (id bigserial "
                       "PRIMARY KEY, conversation_id int, account_id int, content text, "
                       "created_at timestamp DEFAULT now())"));
  auto start = clock_type::now();
  int done = 0;
  while (done < rows) {
    // 100-row COPY transactions: what a batching writer could do at best.
    PQclear(PQexec(conn, "COPY bench_copy (conversation_id, account_id, content) FROM STDIN"));
    std::string chunk;
    for (int i = 0; i < 100 && done < rows; ++i, ++done)
      chunk += std::to_string(done % 10000) + "\t" + std::to_string(done % 100) + "\tbench message "
               + std::to_string(done) + "\n";
    PQputCopyData(conn, chunk.data(), static_cast<int>(chunk.size()));
    PQputCopyEnd(conn, nullptr);
    while (PGresult* r = PQgetResult(conn))
      PQclear(r);
  }
  double rate = rows / std::chrono::duration<double>(clock_type::now() - start).count();
  PQclear(PQexec(conn, "DROP TABLE bench_copy"));
  PQfinish(conn);
  return rate;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_http_ingest DATABASE_URL [seconds] [connections] [conversations] "
                 "[accounts]\n";
    return 2;
  }
  std::string url = argv[1];
  int seconds = argc > 2 ? std::stoi(argv[2]) : 10;
  int connections = argc > 3 ? std::stoi(argv[3]) : 64;
  int conversations = argc > 4 ? std::stoi(argv[4]) : 10000;
  int accounts = argc > 5 ? std::stoi(argv[5]) : 100;
  if (!persistence::migrate(url, persistence::embedded_migrations())) {
    std::cerr << "migration failed\n";
    return 1;
  }
  config::app_config cfg;
  cfg.database_url = url;
  cfg.http_addr = {"127.0.0.1", 0};
  cfg.node_id = "bench-ingest";
  cfg.platform_token = platform;
  cfg.log_level = log::level::warn;
  log::set_level(log::level::warn);
  app::node node{cfg};
  auto port = node.start();
  if (!port) {
    std::cerr << "node failed to start\n";
    return 1;
  }

  // Bootstrap through the API: one administrator in every account, one inbox per account,
  // conversations spread evenly.
  bench::keepalive_client boot{*port};
  auto user = call(boot, "POST", "/platform/api/v1/users",
                   {{"name", "Bench"}, {"email", "bench@bench.test"}}, platform);
  auto token = user["access_token"].get<std::string>();
  std::vector<int64_t> inboxes;
  for (int a = 0; a < accounts; ++a) {
    auto account = call(boot, "POST", "/platform/api/v1/accounts",
                        {{"name", "Tenant " + std::to_string(a)}}, platform)["id"]
                     .get<int64_t>();
    call(boot, "POST", "/platform/api/v1/accounts/" + std::to_string(account) + "/account_users",
         {{"user_id", user["id"]}, {"role", "administrator"}}, platform);
    auto inbox = call(boot, "POST", "/api/v1/accounts/" + std::to_string(account) + "/inboxes",
                      {{"name", "API"}, {"enable_auto_assignment", false}}, token)["id"]
                   .get<int64_t>();
    inboxes.push_back(account);
    inboxes.push_back(inbox);
  }
  std::vector<conversation_ref> refs(static_cast<size_t>(conversations));
  std::atomic<int> next{0};
  auto boot_start = clock_type::now();
  std::vector<std::thread> booters;
  for (int t = 0; t < 8; ++t)
    booters.emplace_back([&] {
      bench::keepalive_client c{*port};
      for (int i = next++; i < conversations; i = next++) {
        auto slot = static_cast<size_t>(i % accounts) * 2;
        auto account = inboxes[slot];
        auto base = "/api/v1/accounts/" + std::to_string(account);
        auto contact = call(c, "POST", base + "/contacts",
                            {{"name", "Contact " + std::to_string(i)},
                             {"email", std::to_string(i).append("@bench.test")},
                             {"inbox_id", inboxes[slot + 1]}},
                            token);
        auto conv = call(c, "POST", base + "/conversations",
                         {{"source_id", contact["payload"]["contact_inbox"]["source_id"]}}, token);
        refs[static_cast<size_t>(i)] = {account, conv["id"].get<int64_t>()};
      }
    });
  for (auto& t : booters)
    t.join();
  std::printf("bootstrap: %d accounts, %d conversations in %.1f s\n", accounts, conversations,
              std::chrono::duration<double>(clock_type::now() - boot_start).count());

  // The reference, measured now on the same database and disk.
  double copy_rate = copy_ceiling(url, 200000);

  // The load: one epoll thread (like wrk) keeps one request in flight on every connection,
  // each to a random conversation, until the deadline; the first second is warm-up.
  std::vector<int64_t> latencies;
  int64_t ok = 0;
  int64_t failed = 0;
  auto start = clock_type::now();
  auto measure_from = start + std::chrono::seconds{1};
  std::mt19937_64 rng{42};
  auto make = [&](int connection, int n) {
    const auto& ref = refs[rng() % refs.size()];
    auto body = R"({"content":"bench message )" + std::to_string(connection) + "-"
                + std::to_string(n) + R"(","message_type":"incoming"})";
    std::string req = "POST /api/v1/accounts/" + std::to_string(ref.account) + "/conversations/"
                      + std::to_string(ref.display_id) + "/messages HTTP/1.1\r\n";
    req += "Host: 127.0.0.1\r\nContent-Type: application/json\r\napi_access_token: ";
    req += token;
    req += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    req += body;
    return req;
  };
  auto seen = [&](int status, int64_t us) {
    if (clock_type::now() < measure_from)
      return;
    if (status == 200) {
      ++ok;
      latencies.push_back(us);
    } else {
      ++failed;
    }
  };
  bench::run_epoll_load(*port, connections, start + std::chrono::seconds{1 + seconds}, make, seen);
  auto measured = std::chrono::duration<double>(clock_type::now() - measure_from).count();
  double rate = static_cast<double>(ok) / measured;
  std::printf("B1 http_ingest: %d connections, %d conversations, %d accounts, %d s\n", connections,
              conversations, accounts, seconds);
  std::printf("  messenger: %.0f msgs/s committed, p50 %.2f ms, p99 %.2f ms, max %.2f ms, "
              "errors %lld\n",
              rate, bench::percentile_ms(latencies, 50), bench::percentile_ms(latencies, 99),
              bench::percentile_ms(latencies, 100), static_cast<long long>(failed));
  std::printf("  reference: COPY ceiling (100-row COPY transactions, 1 stream) %.0f rows/s\n",
              copy_rate);
  std::printf("  ratio: %.3f x the COPY ceiling (target >= 0.2 and >= 20000 msgs/s, p99 <= 25 "
              "ms)\n",
              rate / copy_rate);
  node.shutdown();
  return 0;
}
