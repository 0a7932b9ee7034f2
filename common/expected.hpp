#pragma once

#include "common/errc.hpp"

#include <tl/expected.hpp>

#include <string>

namespace messenger {

/// An error value with a human-readable detail ("duplicate key value ...").
struct error_info {
  errc code = errc::invalid_argument;
  std::string detail;
  /// PostgreSQL's SQLSTATE when a statement failed ("23505"), else empty. Set by
  /// persistence::connection; it does not cross actors (the writer passes code + detail).
  std::string sqlstate{};
  /// The violated constraint or unique index ("uniq_email_per_account_contact") of an
  /// integrity error, else empty. Set by persistence::connection; crosses actors with the
  /// error, so that handlers map a conflict by its constraint, never by the message text.
  std::string constraint{};
};

/// Result type of domain, config and persistence functions (g++ 12 has no std::expected).
template <class T>
using expected = tl::expected<T, error_info>;

inline tl::unexpected<error_info> make_unexpected(errc code, std::string detail = {}) {
  return tl::unexpected<error_info>{error_info{code, std::move(detail)}};
}

} // namespace messenger
