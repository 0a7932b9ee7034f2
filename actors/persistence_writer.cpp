#include "actors/errors.hpp"
#include "actors/persistence.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "persistence/batch_connection.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <deque>
#include <memory>

namespace messenger::actors {

namespace {

using persistence::write_command;
using persistence::write_result;
using steady = std::chrono::steady_clock;

// -- committer: the blocking half (detached: runs on its own thread) -------------------

struct committer_state {
  std::string url;
  domain::backoff reconnect;
  std::unique_ptr<persistence::batch_connection> conn;
  uint32_t failures = 0;
  steady::time_point next_attempt{};
  static inline const char* name = "persistence_committer";

  /// Connects if needed, at most once per backoff interval.
  bool ensure_connected() {
    if (conn && conn->is_open())
      return true;
    conn.reset();
    auto now = steady::now();
    if (now < next_attempt)
      return false;
    auto opened = persistence::batch_connection::open(url);
    if (opened) {
      if (failures > 0)
        log::info("db_reconnected", log::fields{}("after_failures", failures));
      conn = std::move(*opened);
      failures = 0;
      return true;
    }
    next_attempt = now + reconnect.delay(failures++);
    log::warn("db_connect_failed",
              log::fields{}("attempt", failures)("error", opened.error().detail));
    return false;
  }
};

/// Executes one batch on the committer's connection (connecting first if needed).
batch_outcome execute(committer_state& st, const std::vector<write_command>& commands) {
  batch_outcome out;
  out.results.resize(commands.size());
  out.codes.assign(commands.size(), static_cast<uint8_t>(errc::database_unavailable));
  out.details.assign(commands.size(), "no database connection");
  out.constraints.assign(commands.size(), std::string{});
  static auto& sizes
    = metrics::histogram_of("messenger_persistence_batch_size", "Commands per group-commit batch",
                            {1, 2, 4, 8, 16, 32, 64, 128, 256, 512}, 1);
  static auto& latency
    = metrics::histogram_of("messenger_persistence_commit_duration_seconds",
                            "Time to execute and commit one batch", metrics::latency_bounds(), 1e6);
  static auto& committed = metrics::counter_of("messenger_persistence_commands_committed_total",
                                               "Write commands committed");
  static auto& failed = metrics::counter_of("messenger_persistence_commands_failed_total",
                                            "Write commands that failed (rolled back, "
                                            "database unavailable, commit unknown)");
  sizes.observe(commands.size());
  auto count_outcome = [&] {
    for (auto code : out.codes)
      (code == 0 ? committed : failed).inc();
  };
  if (st.ensure_connected()) {
    auto before = st.conn->stats();
    auto started = std::chrono::steady_clock::now();
    auto results = st.conn->execute_batch(commands);
    latency.observe(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::steady_clock::now() - started)
                                            .count()));
    auto after = st.conn->stats();
    out.transactions_committed = after.transactions_committed - before.transactions_committed;
    out.transactions_rolled_back = after.transactions_rolled_back - before.transactions_rolled_back;
    bool lost = false;
    std::string lost_detail;
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i]) {
        out.codes[i] = 0;
        out.details[i].clear();
        out.results[i] = std::move(*results[i]);
      } else {
        out.codes[i] = static_cast<uint8_t>(results[i].error().code);
        out.details[i] = results[i].error().detail;
        out.constraints[i] = results[i].error().constraint;
        if (results[i].error().code == errc::database_unavailable
            || results[i].error().code == errc::commit_unknown) {
          lost = true;
          lost_detail = results[i].error().detail;
        }
      }
    }
    if (lost) {
      log::warn("db_connection_lost",
                log::fields{}("batch", commands.size())("detail", lost_detail));
      st.conn.reset(); // the next batch reconnects at once, then backs off
      st.next_attempt = steady::time_point{};
    }
  }
  count_outcome();
  out.connected = st.conn && st.conn->is_open();
  out.backend_pid = out.connected ? st.conn->backend_pid() : 0;
  return out;
}

committer_actor::behavior_type committer(committer_actor::stateful_pointer<committer_state> self,
                                         std::string url, domain::backoff reconnect) {
  self->state.url = std::move(url);
  self->state.reconnect = reconnect;
  self->state.ensure_connected();
  return {
    [=](batch_atom, const std::vector<write_command>& commands) -> batch_outcome {
      return execute(self->state, commands);
    },
  };
}

// -- writer: the collector (event-based) -----------------------------------------------

struct writer_state {
  struct pending_command {
    write_command command;
    caf::typed_response_promise<write_result> promise;
  };
  std::deque<pending_command> pending;
  std::vector<caf::typed_response_promise<write_result>> in_flight;
  std::vector<caf::typed_response_promise<writer_stats>> drain_waiters;
  committer_actor committer;
  writer_stats stats;
  size_t max_batch = 256;
  size_t max_pending = 20000;
  bool draining = false;
  static inline const char* name = "persistence_writer";
};

using writer_pointer = writer_actor::stateful_pointer<writer_state>;

writer_stats current_stats(writer_pointer self) {
  auto result = self->state.stats;
  result.pending = self->state.pending.size();
  result.in_flight = self->state.in_flight.size();
  return result;
}

void finish_drain_if_idle(writer_pointer self) {
  auto& st = self->state;
  if (!st.draining || !st.pending.empty() || !st.in_flight.empty())
    return;
  for (auto& waiter : st.drain_waiters)
    waiter.deliver(current_stats(self));
  st.drain_waiters.clear();
}

/// Sends everything that queued up (up to max_batch) as the next transaction.
void dispatch(writer_pointer self) {
  auto& st = self->state;
  if (!st.in_flight.empty() || st.pending.empty())
    return;
  std::vector<write_command> batch;
  auto count = std::min(st.pending.size(), st.max_batch);
  batch.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    batch.push_back(std::move(st.pending.front().command));
    st.in_flight.push_back(std::move(st.pending.front().promise));
    st.pending.pop_front();
  }
  ++st.stats.batches;
  st.stats.max_batch_size = std::max<uint64_t>(st.stats.max_batch_size, count);
  self->request(st.committer, caf::infinite, batch_atom_v, std::move(batch))
    .then(
      [=](batch_outcome& out) {
        auto& s = self->state;
        s.stats.transactions_committed += out.transactions_committed;
        s.stats.transactions_rolled_back += out.transactions_rolled_back;
        s.stats.connected = out.connected;
        s.stats.backend_pid = out.backend_pid;
        auto promises = std::move(s.in_flight);
        s.in_flight.clear();
        for (size_t i = 0; i < promises.size(); ++i) {
          if (i < out.codes.size() && out.codes[i] == 0) {
            ++s.stats.commands_committed;
            promises[i].deliver(std::move(out.results[i]));
          } else {
            ++s.stats.commands_failed;
            auto code
              = i < out.codes.size() ? static_cast<errc>(out.codes[i]) : errc::database_error;
            error_info info{code, {}};
            if (i < out.details.size())
              info.detail = out.details[i];
            if (i < out.constraints.size())
              info.constraint = out.constraints[i];
            promises[i].deliver(to_caf_error(info));
          }
        }
        dispatch(self);
        finish_drain_if_idle(self);
      },
      [=](caf::error& err) {
        auto& s = self->state;
        auto info = from_caf_error(err);
        for (auto& promise : s.in_flight) {
          ++s.stats.commands_failed;
          promise.deliver(to_caf_error(info));
        }
        s.in_flight.clear();
        dispatch(self);
        finish_drain_if_idle(self);
      });
}

writer_actor::behavior_type writer(writer_pointer self, persistence_options opts) {
  self->state.max_batch = std::max<size_t>(1, opts.max_batch);
  self->state.max_pending = opts.max_pending;
  self->state.committer
    = self->spawn<caf::detached + caf::linked>(committer, opts.database_url, opts.reconnect);
  return {
    [=](write_atom, write_command& command) -> caf::result<write_result> {
      auto& st = self->state;
      ++st.stats.commands_received;
      if (st.draining) {
        ++st.stats.commands_failed;
        return to_caf_error({errc::shutting_down, "the node is shutting down"});
      }
      if (st.pending.size() >= st.max_pending) {
        ++st.stats.commands_failed;
        return to_caf_error({errc::overloaded, "write queue is full"});
      }
      auto promise = self->make_response_promise<write_result>();
      st.pending.push_back({std::move(command), promise});
      dispatch(self);
      return promise;
    },
    [=](stats_atom) -> writer_stats { return current_stats(self); },
    [=](drain_atom) -> caf::result<writer_stats> {
      auto& st = self->state;
      st.draining = true;
      auto promise = self->make_response_promise<writer_stats>();
      st.drain_waiters.push_back(promise);
      finish_drain_if_idle(self);
      return promise;
    },
  };
}

} // namespace

writer_actor spawn_writer(caf::actor_system& sys, const persistence_options& opts) {
  return sys.spawn(writer, opts);
}

} // namespace messenger::actors
