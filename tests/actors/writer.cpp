#define CAF_SUITE actors.writer
#include "actors/errors.hpp"
#include "actors/persistence.hpp"
#include "actors/system_config.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/pg.hpp"

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>

#include <thread>

using namespace messenger;
using namespace messenger::actors;
using persistence::make_statement;
using persistence::write_command;
using persistence::write_result;

namespace {

constexpr long long lock_key = 4242;
constexpr auto timeout = std::chrono::seconds{30};

struct fixture {
  test::temp_database db;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  fixture() { db.scalar("CREATE TABLE items (id int PRIMARY KEY)"); }

  ~fixture() { self->send_exit(writer_handle, caf::exit_reason::user_shutdown); }

  writer_actor writer_handle;

  writer_actor start_writer(size_t max_pending = 20000) {
    persistence_options opts;
    opts.database_url = db.url();
    opts.max_pending = max_pending;
    writer_handle = spawn_writer(sys, opts);
    return writer_handle;
  }

  static write_command insert(int id) {
    return {{make_statement("INSERT INTO items (id) VALUES ($1)", {std::to_string(id)})}};
  }

  static write_command wait_for_lock() {
    return {{make_statement("SELECT pg_advisory_xact_lock($1)", {std::to_string(lock_key)})}};
  }

  writer_stats stats(const writer_actor& w) {
    writer_stats out;
    self->request(w, timeout, stats_atom_v)
      .receive([&](writer_stats& s) { out = s; },
               [&](caf::error& err) { CAF_FAIL("stats failed: " << sys.render(err)); });
    return out;
  }

  /// Polls the writer (with a short pause between polls) until `n` commands wait behind
  /// the parked batch.
  void await_pending(const writer_actor& w, uint64_t n) {
    if (!test::eventually([&] { return stats(w).pending >= n; },
                          std::chrono::duration_cast<std::chrono::milliseconds>(timeout)))
      CAF_FAIL("writer never queued " << n << " commands");
  }

  std::string count_items() { return db.scalar("SELECT count(*) FROM items"); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(writer_tests, fixture)

CAF_TEST(concurrent commands share transactions and are acknowledged only after commit) {
  constexpr int n = 200;
  auto w = start_writer();
  test::advisory_lock lock{db.url(), lock_key};
  self->send(w, write_atom_v, wait_for_lock()); // batch 1: parked on the lock
  for (int i = 1; i <= n; ++i)
    self->send(w, write_atom_v, insert(i));
  await_pending(w, n);
  auto parked = stats(w);
  CAF_CHECK_EQUAL(parked.commands_committed, 0u);
  CAF_CHECK_EQUAL(parked.in_flight, 1u);
  CAF_CHECK_EQUAL(count_items(), "0");
  lock.release();
  int acked = 0;
  for (int i = 0; i <= n; ++i)
    self->receive(
      [&](write_result& res) {
        if (res.results.at(0).columns.empty()) // an INSERT without RETURNING
          ++acked;
        // Whatever was acknowledged is visible to everyone else already.
        CAF_CHECK(std::stoi(count_items()) >= acked);
      },
      [&](caf::error& err) { CAF_FAIL("write failed: " << sys.render(err)); });
  CAF_CHECK_EQUAL(acked, n);
  CAF_CHECK_EQUAL(count_items(), std::to_string(n));
  auto done = stats(w);
  CAF_CHECK_EQUAL(done.commands_committed, static_cast<uint64_t>(n + 1));
  CAF_CHECK_EQUAL(done.transactions_committed, 2u); // the parked one + one batch of 200
  CAF_CHECK(done.transactions_committed < static_cast<uint64_t>(n));
  CAF_CHECK_EQUAL(done.max_batch_size, static_cast<uint64_t>(n));
}

CAF_TEST(an error in one command is reported to its sender only) {
  auto w = start_writer();
  test::advisory_lock lock{db.url(), lock_key};
  self->send(w, write_atom_v, wait_for_lock());
  self->send(w, write_atom_v, insert(1));
  self->send(w, write_atom_v, insert(1)); // duplicate key
  self->send(w, write_atom_v, insert(2));
  await_pending(w, 3);
  lock.release();
  int ok = 0;
  std::vector<errc> errors;
  for (int i = 0; i < 4; ++i)
    self->receive([&](write_result&) { ++ok; },
                  [&](caf::error& err) { errors.push_back(from_caf_error(err).code); });
  CAF_CHECK_EQUAL(ok, 3);
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK(errors[0] == errc::conflict);
  CAF_CHECK_EQUAL(count_items(), "2");
}

CAF_TEST(a killed connection fails the in flight batch and the writer recovers) {
  auto w = start_writer();
  test::advisory_lock lock{db.url(), lock_key};
  self->send(w, write_atom_v, wait_for_lock());
  self->send(w, write_atom_v, insert(1));
  self->send(w, write_atom_v,
             write_command{{make_statement("SELECT pg_terminate_backend(pg_backend_pid())")}});
  self->send(w, write_atom_v, insert(2));
  await_pending(w, 3);
  auto pid_before = stats(w).backend_pid;
  lock.release();
  int ok = 0;
  std::vector<errc> errors;
  for (int i = 0; i < 4; ++i)
    self->receive([&](write_result&) { ++ok; },
                  [&](caf::error& err) { errors.push_back(from_caf_error(err).code); });
  CAF_CHECK_EQUAL(ok, 1); // only the parked command, committed before the kill
  CAF_REQUIRE_EQUAL(errors.size(), 3u);
  for (auto code : errors)
    CAF_CHECK(code == errc::database_unavailable);
  CAF_CHECK_EQUAL(count_items(), "0"); // nothing of the broken batch was committed
  // Recovery: the next command reconnects and commits.
  self->request(w, timeout, write_atom_v, insert(3))
    .receive([](write_result&) {},
             [&](caf::error& err) { CAF_FAIL("no recovery: " << sys.render(err)); });
  CAF_CHECK_EQUAL(count_items(), "1");
  auto after = stats(w);
  CAF_CHECK(after.connected);
  CAF_CHECK_NOT_EQUAL(after.backend_pid, pid_before);
}

CAF_TEST(a full queue rejects writes with overloaded) {
  auto w = start_writer(2);
  test::advisory_lock lock{db.url(), lock_key};
  self->send(w, write_atom_v, wait_for_lock());
  self->send(w, write_atom_v, insert(1));
  self->send(w, write_atom_v, insert(2));
  await_pending(w, 2);
  std::optional<errc> rejected;
  self->request(w, timeout, write_atom_v, insert(3))
    .receive([](write_result&) {}, [&](caf::error& err) { rejected = from_caf_error(err).code; });
  CAF_REQUIRE(rejected.has_value());
  CAF_CHECK(*rejected == errc::overloaded);
  lock.release();
  for (int i = 0; i < 3; ++i)
    self->receive([](write_result&) {}, [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK_EQUAL(count_items(), "2");
}

CAF_TEST(drain waits for queued writes and then refuses new ones) {
  auto w = start_writer();
  test::advisory_lock lock{db.url(), lock_key};
  self->send(w, write_atom_v, wait_for_lock());
  self->send(w, write_atom_v, insert(1));
  await_pending(w, 1);
  self->send(w, drain_atom_v);
  lock.release();
  std::optional<writer_stats> drained;
  for (int i = 0; i < 3; ++i)
    self->receive([](write_result&) {}, [&](writer_stats& s) { drained = s; },
                  [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_REQUIRE(drained.has_value());
  CAF_CHECK_EQUAL(drained->pending, 0u);
  CAF_CHECK_EQUAL(drained->commands_committed, 2u);
  std::optional<errc> refused;
  self->request(w, timeout, write_atom_v, insert(2))
    .receive([](write_result&) {}, [&](caf::error& err) { refused = from_caf_error(err).code; });
  CAF_REQUIRE(refused.has_value());
  CAF_CHECK(*refused == errc::shutting_down);
}

CAF_TEST(the reader answers queries and health probes) {
  persistence_options opts;
  opts.database_url = db.url();
  auto r = spawn_reader(sys, opts);
  db.scalar("INSERT INTO items VALUES (41), (42)");
  self
    ->request(r, timeout, query_atom_v,
              make_statement("SELECT max(id) AS m FROM items WHERE id < $1", {"100"}))
    .receive([](persistence::result_set& rs) { CAF_CHECK_EQUAL(rs.field(0, "m").text, "42"); },
             [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  self->request(r, timeout, query_atom_v, make_statement("SELECT nope FROM items", {}))
    .receive([](persistence::result_set&) { CAF_FAIL("expected an error"); },
             [](caf::error& err) { CAF_CHECK(from_caf_error(err).code == errc::database_error); });
  self->request(r, timeout, health_atom_v)
    .receive([](db_health& h) { CAF_CHECK(h.reachable); },
             [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  self->send_exit(r, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
