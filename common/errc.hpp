#pragma once

#include <cstdint>
#include <string_view>

namespace messenger {

/// Error codes that travel as values through every layer: as `expected<T>` in
/// domain and persistence code, as `caf::error` between actors (category
/// "messenger", see actors/errors.hpp), and as HTTP status + JSON at the edge.
/// Values are part of the wire format between nodes: append only.
enum class errc : uint8_t {
  not_found = 1,
  invalid_argument,
  conflict,             ///< a unique constraint rejected the write
  rate_limited,         ///< a flood or request-rate limit said no
  unauthorized,         ///< missing or wrong credentials / policy denial
  database_unavailable, ///< no connection to PostgreSQL (or it broke mid-batch)
  database_error,       ///< PostgreSQL rejected the statement
  commit_unknown,       ///< the connection broke during COMMIT: outcome unknown
  timeout,
  shutting_down,
  overloaded,        ///< a bounded queue is full
  fenced,            ///< the entity's ownership moved on (another node holds a newer epoch)
  owner_unreachable, ///< the node owning the entity cannot be reached
};

/// Stable lower_snake_case name of an error code ("not_found", ...).
std::string_view to_string(errc code) noexcept;

} // namespace messenger
