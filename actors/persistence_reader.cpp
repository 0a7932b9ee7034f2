#include "actors/errors.hpp"
#include "actors/persistence.hpp"
#include "common/log.hpp"
#include "persistence/connection.hpp"
#include "persistence/queries/health.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <memory>

namespace messenger::actors {

namespace {

using steady = std::chrono::steady_clock;

// -- one connection worker (detached) --------------------------------------------------

struct reader_worker_state {
  std::string url;
  domain::backoff reconnect;
  std::unique_ptr<persistence::connection> conn;
  uint32_t failures = 0;
  steady::time_point next_attempt{};
  static inline const char* name = "persistence_reader_worker";

  expected<persistence::connection*> get() {
    if (conn && conn->is_open())
      return conn.get();
    conn.reset();
    auto now = steady::now();
    if (now < next_attempt)
      return make_unexpected(errc::database_unavailable, "reconnect backoff");
    auto opened = persistence::connection::open(url);
    if (!opened) {
      next_attempt = now + reconnect.delay(failures++);
      return tl::unexpected<error_info>{opened.error()};
    }
    conn = std::move(*opened);
    failures = 0;
    return conn.get();
  }

  /// Drops a broken connection so the next call reconnects immediately.
  void on_error(const error_info& err) {
    if (err.code == errc::database_unavailable) {
      conn.reset();
      next_attempt = steady::time_point{};
    }
  }
};

reader_actor::behavior_type reader_worker(reader_actor::stateful_pointer<reader_worker_state> self,
                                          std::string url, domain::backoff reconnect) {
  self->state.url = std::move(url);
  self->state.reconnect = reconnect;
  return {
    [=](query_atom, const persistence::statement& stmt) -> caf::result<persistence::result_set> {
      auto conn = self->state.get();
      if (!conn)
        return to_caf_error(conn.error());
      auto res = (*conn)->query(stmt);
      if (!res) {
        self->state.on_error(res.error());
        return to_caf_error(res.error());
      }
      return std::move(*res);
    },
    [=](health_atom) -> db_health {
      auto conn = self->state.get();
      if (!conn)
        return {false, conn.error().detail};
      auto res = (*conn)->query(persistence::queries::health::ping());
      if (!res) {
        self->state.on_error(res.error());
        return {false, res.error().detail};
      }
      return {true, {}};
    },
  };
}

// -- front: spreads requests over the workers ------------------------------------------

struct reader_state {
  std::vector<reader_actor> workers;
  size_t next = 0;
  static inline const char* name = "persistence_reader";

  const reader_actor& pick() { return workers[next++ % workers.size()]; }
};

reader_actor::behavior_type reader(reader_actor::stateful_pointer<reader_state> self,
                                   persistence_options opts) {
  auto count = std::max<size_t>(1, opts.readers);
  for (size_t i = 0; i < count; ++i)
    self->state.workers.push_back(
      self->spawn<caf::detached + caf::linked>(reader_worker, opts.database_url, opts.reconnect));
  return {
    [=](query_atom atom, persistence::statement& stmt) {
      return self->delegate(self->state.pick(), atom, std::move(stmt));
    },
    [=](health_atom atom) { return self->delegate(self->state.pick(), atom); },
  };
}

} // namespace

reader_actor spawn_reader(caf::actor_system& sys, const persistence_options& opts) {
  return sys.spawn(reader, opts);
}

} // namespace messenger::actors
