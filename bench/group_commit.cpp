// B-persistence: group commit vs one transaction per write, side by side in one run.
//   bench_group_commit DATABASE_URL [commands=20000] [senders=64]
// Creates (and drops) the table bench_group_commit in the given database. Prints the
// throughput of both ways and their ratio; the ratio is the claim, not the absolute.
#include "actors/persistence.hpp"
#include "actors/system_config.hpp"
#include "persistence/connection.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <iostream>

using namespace messenger;
using namespace messenger::actors;
using persistence::make_statement;
using clock_type = std::chrono::steady_clock;

namespace {

persistence::write_command insert(int id) {
  return {{make_statement("INSERT INTO bench_group_commit (id, body) VALUES ($1, $2)",
                          {std::to_string(id), "hello from the bench"})}};
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
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
  auto reset = [&] {
    conn.execute_batch({{{make_statement("DROP TABLE IF EXISTS bench_group_commit; CREATE TABLE "
                                         "bench_group_commit (id int PRIMARY KEY, body text)")}}});
  };

  // (a) one transaction per write: what a writer without group commit does.
  reset();
  auto start = clock_type::now();
  for (int i = 0; i < commands; ++i)
    if (!conn.execute_batch({insert(i)}).at(0))
      return 1;
  double single = commands / seconds_since(start);

  // (b) the group-commit writer, `senders` requests in flight at a time.
  reset();
  system_config cfg;
  caf::actor_system sys{cfg};
  persistence_options opts;
  opts.database_url = url;
  auto writer = spawn_writer(sys, opts);
  caf::scoped_actor self{sys};
  start = clock_type::now();
  int sent = 0;
  int done = 0;
  for (; sent < std::min(senders, commands); ++sent)
    self->send(writer, write_atom_v, insert(sent));
  while (done < commands) {
    self->receive([&](persistence::write_result&) {},
                  [&](caf::error& err) { std::cerr << sys.render(err) << "\n"; });
    ++done;
    if (sent < commands)
      self->send(writer, write_atom_v, insert(sent++));
  }
  double grouped = commands / seconds_since(start);
  writer_stats stats;
  self->request(writer, std::chrono::seconds{10}, stats_atom_v)
    .receive([&](writer_stats& s) { stats = s; }, [](caf::error&) {});
  self->send_exit(writer, caf::exit_reason::user_shutdown);
  conn.execute_batch({{{make_statement("DROP TABLE IF EXISTS bench_group_commit")}}});

  std::cout << "commands=" << commands << " senders=" << senders << "\n"
            << "one_txn_per_write_per_s=" << static_cast<long>(single) << "\n"
            << "group_commit_per_s=" << static_cast<long>(grouped)
            << " transactions=" << stats.transactions_committed
            << " max_batch=" << stats.max_batch_size << "\n"
            << "ratio=" << grouped / single << "\n";
  return 0;
}
