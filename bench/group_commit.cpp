// B-persistence: group commit vs one transaction per write, side by side in one run.
//   bench_group_commit DATABASE_URL [commands=20000] [senders=64]
// Creates (and drops) the table bench_group_commit in the given database. Prints the
// throughput of both ways and their ratio; the ratio is the claim, not the absolute.
// Only committed writes count as done: a write that failed is counted apart (and not in the
// rate), and after each way the rows in the table are checked against the acknowledged
// writes (every acknowledged id present, nothing else). A failed write or a mismatch makes
// the exit status non-zero.
#include "actors/persistence.hpp"
#include "actors/system_config.hpp"
#include "persistence/batch_connection.hpp"
#include "persistence/connection.hpp"

#include <caf/all.hpp>

#include "bench/report.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>

using namespace messenger;
using namespace messenger::actors;
using persistence::make_statement;
using clock_type = std::chrono::steady_clock;

namespace {

persistence::write_command insert(int id) {
  return {{make_statement("INSERT INTO bench_group_commit (id, body) VALUES ($1, $2) RETURNING id",
                          {std::to_string(id), "hello from the bench"})}};
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

struct outcome {
  int ok = 0;
  int failed = 0;
  std::vector<int> acknowledged; ///< ids of the writes answered as committed
  double seconds = 0;
};

/// The table against the acknowledged writes: rows in total, and how many acknowledged ids
/// are present. Prints both; true when they match exactly.
bool verify(persistence::connection& conn, const char* way, const outcome& o) {
  std::string ids = "{";
  for (size_t i = 0; i < o.acknowledged.size(); ++i) {
    ids += i ? "," : "";
    ids += std::to_string(o.acknowledged[i]);
  }
  ids += "}";
  auto rs = conn.query(make_statement("SELECT count(*) AS total, count(*) FILTER (WHERE id = "
                                      "ANY ($1::int[])) AS acknowledged FROM bench_group_commit",
                                      {ids}));
  if (!rs) {
    std::cerr << "verification query failed: " << rs.error().detail << "\n";
    return false;
  }
  auto rows = std::stol(rs->field(0, "total").text);
  auto present = std::stol(rs->field(0, "acknowledged").text);
  bool good = present == o.ok && rows == o.ok;
  std::printf("  %s: acknowledged %d, failed %d; rows in the table %ld, of them acknowledged "
              "%ld: %s\n",
              way, o.ok, o.failed, rows, present, good ? "verified" : "MISMATCH");
  return good;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_group_commit DATABASE_URL [commands] [senders]\n";
    return 2;
  }
  std::string url = argv[1];
  int commands = argc > 2 ? std::stoi(argv[2]) : 20000;
  int senders = argc > 3 ? std::stoi(argv[3]) : 64;
  auto admin = persistence::connection::open(url);
  if (!admin) {
    std::cerr << admin.error().detail << "\n";
    return 1;
  }
  auto& conn = **admin;
  auto batches = persistence::batch_connection::open(url);
  if (!batches) {
    std::cerr << batches.error().detail << "\n";
    return 1;
  }
  auto& writes = **batches;
  auto reset = [&] {
    writes.execute_batch({{{make_statement("DROP TABLE IF EXISTS bench_group_commit"),
                            make_statement("CREATE TABLE bench_group_commit (id int PRIMARY "
                                           "KEY, body text)")}}});
  };

  // (a) one transaction per write: what a writer without group commit does.
  reset();
  outcome single;
  auto start = clock_type::now();
  for (int i = 0; i < commands; ++i) {
    auto r = writes.execute_batch({insert(i)}).at(0);
    if (r) {
      ++single.ok;
      single.acknowledged.push_back(std::stoi(r->results.at(0).field(0, "id").text));
    } else {
      ++single.failed;
    }
  }
  single.seconds = seconds_since(start);
  std::printf("commands=%d senders=%d\n", commands, senders);
  bool single_good = verify(conn, "one transaction per write", single);

  // (b) the group-commit writer, `senders` requests in flight at a time. The INSERT returns
  // its id, so each answer tells which write was committed.
  reset();
  system_config cfg;
  caf::actor_system sys{cfg};
  persistence_options opts;
  opts.database_url = url;
  auto writer = spawn_writer(sys, opts);
  caf::scoped_actor self{sys};
  outcome grouped;
  int sent = 0;
  start = clock_type::now();
  for (; sent < std::min(senders, commands); ++sent)
    self->send(writer, write_atom_v, insert(sent));
  for (int answered = 0; answered < commands; ++answered) {
    self->receive(
      [&](persistence::write_result& r) {
        ++grouped.ok;
        grouped.acknowledged.push_back(std::stoi(r.results.at(0).field(0, "id").text));
      },
      [&](caf::error& err) {
        if (grouped.failed++ == 0)
          std::cerr << "first failed write: " << sys.render(err) << "\n";
      });
    if (sent < commands)
      self->send(writer, write_atom_v, insert(sent++));
  }
  grouped.seconds = seconds_since(start);
  writer_stats stats;
  self->request(writer, std::chrono::seconds{10}, stats_atom_v)
    .receive([&](writer_stats& s) { stats = s; }, [](caf::error&) {});
  self->send_exit(writer, caf::exit_reason::user_shutdown);
  bool grouped_good = verify(conn, "group commit", grouped);
  writes.execute_batch({{{make_statement("DROP TABLE IF EXISTS bench_group_commit")}}});

  double single_rate = single.ok / single.seconds;
  double grouped_rate = grouped.ok / grouped.seconds;
  std::cout << "one_txn_per_write_per_s=" << static_cast<long>(single_rate)
            << " (committed writes only)\n"
            << "group_commit_per_s=" << static_cast<long>(grouped_rate)
            << " (committed writes only) transactions=" << stats.transactions_committed
            << " max_batch=" << stats.max_batch_size << " writer_failed=" << stats.commands_failed
            << "\n"
            << "ratio=" << grouped_rate / single_rate << "\n";
  bench::result_line({{"bench", "group_commit"},
                      {"case", "one transaction per write"},
                      {"commands", commands},
                      {"committed", single.ok},
                      {"failed", single.failed},
                      {"writes_per_s", single_rate},
                      {"verified", single_good}});
  bench::result_line({{"bench", "group_commit"},
                      {"case", "group commit"},
                      {"commands", commands},
                      {"senders", senders},
                      {"committed", grouped.ok},
                      {"failed", grouped.failed},
                      {"writes_per_s", grouped_rate},
                      {"transactions", stats.transactions_committed},
                      {"max_batch", stats.max_batch_size},
                      {"verified", grouped_good},
                      {"ratio", grouped_rate / single_rate}});
  if (!single_good || !grouped_good || single.failed > 0 || grouped.failed > 0) {
    std::cerr << "FAILED: failed writes or rows that do not match the acknowledged writes\n";
    return 1;
  }
  return 0;
}
