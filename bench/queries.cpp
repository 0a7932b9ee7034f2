// B2 and B7 (docs/PERF.md §4): conversation list latency and message search latency on a
// large data set, each beside its reference measured in the same run.
//   bench_queries DATABASE_URL [conversations=1000000] [messages=5000000] [reps=200]
// DATABASE_URL names an empty database. The data is generated with SQL (100 tenants; tenant 1
// holds a quarter of the conversations and 40% of the messages), then a node is started in
// this process and the queries are timed end to end over HTTP while a writer posts messages.
// References: B2, Chatwoot's list and count queries with Chatwoot's index set (messenger's
// list indexes dropped inside a rolled-back transaction); B7, Chatwoot's ILIKE search query.
#include "persistence/migrator.hpp"

#include "app/node.hpp"
#include "bench/load_client.hpp"
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <random>
#include <thread>

using namespace messenger;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

const std::string platform = "bench-platform-token-0123456789abcdef";

void exec(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::cerr << "SQL failed: " << PQerrorMessage(conn) << sql.substr(0, 200) << "\n";
    std::exit(1);
  }
  PQclear(r);
}

std::string scalar(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  return out;
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

/// The data set: 100 accounts with 5 API inboxes each, conversations (20% open), messages
/// with term classes: "refund" common (1/8), "mediumterm" (1/1000), "raretermxyz" (1/100000).
void generate(PGconn* conn, long conversations, long messages) {
  auto start = clock_type::now();
  auto large = conversations / 4;
  exec(conn, "INSERT INTO accounts (name, created_at, updated_at) SELECT 'Tenant ' || g, now(), "
             "now() FROM generate_series(1, 100) g");
  exec(conn, "INSERT INTO channel_api (account_id, identifier, created_at, updated_at) SELECT a, "
             "md5(a::text || '-' || k::text), now(), now() FROM generate_series(1, 100) a, "
             "generate_series(1, 5) k");
  exec(conn, "INSERT INTO inboxes (channel_id, account_id, name, channel_type, created_at, "
             "updated_at) SELECT id, account_id, 'Inbox ' || id, 'Channel::Api', now(), now() "
             "FROM channel_api ORDER BY id");
  exec(conn, "INSERT INTO contacts (name, email, account_id, created_at, updated_at) SELECT "
             "'Contact ' || g, 'c' || g || '@bench.test', 1 + g % 100, now(), now() FROM "
             "generate_series(1, 100000) g");
  auto conv_sql
    = "INSERT INTO conversations (account_id, inbox_id, contact_id, status, assignee_id, "
      "last_activity_at, created_at, updated_at, uuid) SELECT a, (a - 1) * 5 + 1 + g % 5, a + "
      "100 * (g % 1000), CASE WHEN g % 5 = 0 THEN 0 ELSE 1 END, NULL, now() AT TIME ZONE 'utc' "
      "- (g % 7776000) * interval '1 second', now() AT TIME ZONE 'utc' - interval '90 days', "
      "now() AT TIME ZONE 'utc', gen_random_uuid() FROM (SELECT g, CASE WHEN g <= "
      + std::to_string(large) + " THEN 1 ELSE 2 + g % 99 END AS a FROM generate_series(1, "
      + std::to_string(conversations) + ") g) x";
  exec(conn, conv_sql);
  exec(conn, "DROP INDEX IF EXISTS index_messages_on_content");
  auto large_messages = messages * 2 / 5;
  auto msg_sql
    = "INSERT INTO messages (content, account_id, inbox_id, conversation_id, message_type, "
      "created_at, updated_at, private, status, content_type) SELECT 'hello about my order ' || "
      "(ARRAY['shipping','refund','invoice','password','delivery','account','payment','login'])[1 "
      "+ g % 8] || ' ref ' || (g % 100003)::text || CASE WHEN g % 1000 = 3 THEN ' mediumterm' "
      "ELSE '' END || CASE WHEN g % 100000 = 7 THEN ' raretermxyz' ELSE '' END, c.account_id, "
      "c.inbox_id, c.id, g % 2, now() AT TIME ZONE 'utc' - (g % 7000000) * interval '1 second', "
      "now() AT TIME ZONE 'utc', false, 0, 0 FROM generate_series(1, "
      + std::to_string(messages) + ") g JOIN conversations c ON c.id = CASE WHEN g <= "
      + std::to_string(large_messages) + " THEN 1 + g % " + std::to_string(large) + " ELSE "
      + std::to_string(large + 1) + " + g % " + std::to_string(conversations - large) + " END";
  exec(conn, msg_sql);
  exec(conn, "CREATE INDEX index_messages_on_content ON messages USING gin (content "
             "gin_trgm_ops)");
  exec(conn, "ANALYZE");
  std::printf("data: %ld conversations (%ld in tenant 1), %ld messages in %.0f s\n", conversations,
              large, messages, seconds_since(start));
}

struct timing {
  std::vector<int64_t> us;
  void add(clock_type::time_point t0) {
    us.push_back(
      std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0).count());
  }
};

void report(const char* what, const timing& ours, const timing& ref) {
  auto p99 = bench::percentile_ms(ours.us, 99);
  auto ref99 = bench::percentile_ms(ref.us, 99);
  std::printf("  %-44s messenger p50 %7.2f ms p99 %7.2f ms | reference p50 %8.2f ms p99 %8.2f "
              "ms | x%.1f\n",
              what, bench::percentile_ms(ours.us, 50), p99, bench::percentile_ms(ref.us, 50), ref99,
              p99 > 0 ? ref99 / p99 : 0.0);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_queries DATABASE_URL [conversations] [messages] [reps]\n";
    return 2;
  }
  std::string url = argv[1];
  long conversations = argc > 2 ? std::stol(argv[2]) : 1000000;
  long messages = argc > 3 ? std::stol(argv[3]) : 5000000;
  int reps = argc > 4 ? std::stoi(argv[4]) : 200;
  if (!persistence::migrate(url, persistence::embedded_migrations())) {
    std::cerr << "migration failed\n";
    return 1;
  }
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::cerr << PQerrorMessage(conn);
    return 1;
  }
  generate(conn, conversations, messages);

  config::app_config cfg;
  cfg.database_url = url;
  cfg.http_addr = {"127.0.0.1", 0};
  cfg.node_id = "bench-queries";
  cfg.platform_token = platform;
  cfg.log_level = log::level::warn;
  log::set_level(log::level::warn);
  app::node node{cfg};
  auto port = node.start();
  if (!port)
    return 1;
  bench::keepalive_client c{*port};
  std::string body;
  c.call("POST", "/platform/api/v1/users",
         json{{"name", "Bench"}, {"email", "bench@bench.test"}}.dump(), platform, &body);
  auto user = json::parse(body);
  auto token = user["access_token"].get<std::string>();
  auto uid = std::to_string(user["id"].get<int64_t>());
  for (int a : {1, 2})
    c.call("POST", "/platform/api/v1/accounts/" + std::to_string(a) + "/account_users",
           json{{"user_id", user["id"]}, {"role", "administrator"}}.dump(), platform);
  // "mine": every 10th open conversation of tenant 1.
  exec(conn, "UPDATE conversations SET assignee_id = " + uid
               + " WHERE account_id = 1 AND status = 0 AND id % 10 = 0");
  auto small_conversations
    = scalar(conn, "SELECT count(*) FROM conversations WHERE account_id = 2");
  auto open_large = scalar(conn, "SELECT count(*) FROM conversations WHERE account_id = 1 AND "
                                 "status = 0");

  // Concurrent writes: messages posted to tenant 2's conversations by 4 connections.
  std::atomic<bool> stop{false};
  std::atomic<long> written{0};
  std::thread writer{[&] {
    bench::keepalive_client w{*port};
    std::mt19937 rng{7};
    auto n = std::max(1L, std::stol(small_conversations));
    while (!stop) {
      auto display = 1 + static_cast<long>(rng() % static_cast<unsigned long>(n));
      if (w.call("POST",
                 "/api/v1/accounts/2/conversations/" + std::to_string(display) + "/messages",
                 R"({"content":"concurrent write","message_type":"incoming"})", token)
          == 200)
        ++written;
    }
  }};
  auto write_start = clock_type::now();

  struct list_case {
    const char* name;
    std::string query;         ///< messenger request target
    std::string chatwoot_list; ///< reference SQL (Chatwoot's finder)
    std::string chatwoot_meta;
  };
  const std::string counts = "SELECT COUNT(*) FILTER (WHERE assignee_id = " + uid
                             + ") AS mine, COUNT(*) FILTER (WHERE assignee_id IS NULL) AS "
                               "unassigned, COUNT(*) AS total FROM conversations WHERE "
                               "account_id = 1 AND status = 0";
  std::vector<list_case> lists{
    {"GET conversations?status=open", "/api/v1/accounts/1/conversations?status=open",
     "SELECT * FROM conversations WHERE account_id = 1 AND status = 0 ORDER BY "
     "last_activity_at DESC LIMIT 25 OFFSET 0",
     counts},
    {"GET conversations?assignee_type=me", "/api/v1/accounts/1/conversations?assignee_type=me",
     "SELECT * FROM conversations WHERE account_id = 1 AND status = 0 AND assignee_id = " + uid
       + " ORDER BY last_activity_at DESC LIMIT 25",
     counts},
    {"GET conversations?assignee_type=unassigned",
     "/api/v1/accounts/1/conversations?assignee_type=unassigned",
     "SELECT * FROM conversations WHERE account_id = 1 AND status = 0 AND assignee_id IS NULL "
     "ORDER BY last_activity_at DESC LIMIT 25",
     counts},
    {"GET conversations?inbox_id=2", "/api/v1/accounts/1/conversations?inbox_id=2",
     "SELECT * FROM conversations WHERE account_id = 1 AND status = 0 AND inbox_id = 2 ORDER BY "
     "last_activity_at DESC LIMIT 25",
     counts + " AND inbox_id = 2"},
    {"GET conversations/meta", "/api/v1/accounts/1/conversations/meta", "", counts}};

  std::printf("B2 list: tenant 1 has %s open conversations; %d requests per case\n",
              open_large.c_str(), reps);
  std::vector<timing> ours(lists.size());
  for (size_t k = 0; k < lists.size(); ++k)
    for (int i = 0; i < reps; ++i) {
      auto t0 = clock_type::now();
      if (c.call("GET", lists[k].query, "", token) != 200)
        return 1;
      ours[k].add(t0);
    }

  struct search_case {
    const char* name;
    int account;
    const char* term;
  };
  std::vector<search_case> searches{
    {"search rare (tenant 1)", 1, "raretermxyz"}, {"search medium (tenant 1)", 1, "mediumterm"},
    {"search common (tenant 1)", 1, "refund"},    {"search absent (tenant 1)", 1, "zzqqxxyy"},
    {"search rare (tenant 2)", 2, "raretermxyz"}, {"search medium (tenant 2)", 2, "mediumterm"},
    {"search common (tenant 2)", 2, "refund"},    {"search absent (tenant 2)", 2, "zzqqxxyy"}};
  int search_reps = std::max(10, reps / 4);
  std::vector<timing> found(searches.size());
  for (size_t k = 0; k < searches.size(); ++k)
    for (int i = 0; i < search_reps; ++i) {
      auto t0 = clock_type::now();
      if (c.call("GET",
                 "/api/v1/accounts/" + std::to_string(searches[k].account)
                   + "/search/messages?q=" + searches[k].term,
                 "", token)
          != 200)
        return 1;
      found[k].add(t0);
    }
  stop = true;
  writer.join();
  auto write_rate = static_cast<double>(written) / seconds_since(write_start);

  // References (after the write load: dropping indexes inside a transaction locks the table).
  std::vector<timing> refs(lists.size());
  exec(conn, "BEGIN");
  exec(conn, "DROP INDEX index_conversations_list_by_status, index_conversations_list_by_inbox, "
             "index_conversations_list_by_assignee");
  for (size_t k = 0; k < lists.size(); ++k)
    for (int i = 0; i < reps; ++i) {
      auto t0 = clock_type::now();
      if (!lists[k].chatwoot_list.empty())
        exec(conn, lists[k].chatwoot_list);
      exec(conn, lists[k].chatwoot_meta);
      refs[k].add(t0);
    }
  exec(conn, "ROLLBACK");
  std::vector<timing> search_refs(searches.size());
  for (size_t k = 0; k < searches.size(); ++k)
    for (int i = 0; i < search_reps; ++i) {
      auto t0 = clock_type::now();
      exec(conn, "SELECT * FROM messages WHERE account_id = " + std::to_string(searches[k].account)
                   + " AND content ILIKE '%" + searches[k].term
                   + "%' AND created_at >= now() - interval '3 months' ORDER BY created_at DESC "
                     "LIMIT 15");
      search_refs[k].add(t0);
    }

  std::printf("concurrent writes during the measurements: %.0f msgs/s\n", write_rate);
  std::printf("B2 (target p99 <= 5 ms end to end, >= 25x the reference):\n");
  for (size_t k = 0; k < lists.size(); ++k)
    report(lists[k].name, ours[k], refs[k]);
  std::printf("B7 (target p99 <= 50 ms for every class; reference: Chatwoot's ILIKE query, DB "
              "only):\n");
  for (size_t k = 0; k < searches.size(); ++k)
    report(searches[k].name, found[k], search_refs[k]);
  PQfinish(conn);
  node.shutdown();
  return 0;
}
