#pragma once

#include "actors/interfaces.hpp"
#include "domain/backoff.hpp"

#include <caf/fwd.hpp>

#include <cstddef>
#include <string>

namespace messenger::actors {

struct persistence_options {
  std::string database_url;
  /// At most this many commands share one transaction.
  size_t max_batch = 256;
  /// Commands queued behind the in-flight batch; beyond it writes fail with `overloaded`.
  size_t max_pending = 20000;
  /// Read connections (each a detached actor).
  size_t readers = 2;
  domain::backoff reconnect{std::chrono::milliseconds{100}, std::chrono::milliseconds{5000}};
};

/// Spawns the group-commit writer (an event-based collector plus a detached committer
/// that owns one connection). Every reply to `write_atom` means "committed".
writer_actor spawn_writer(caf::actor_system& sys, const persistence_options& opts);

/// Spawns the reader front with `opts.readers` detached connection workers.
reader_actor spawn_reader(caf::actor_system& sys, const persistence_options& opts);

} // namespace messenger::actors
