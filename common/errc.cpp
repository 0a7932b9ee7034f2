#include "common/errc.hpp"

namespace messenger {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::not_found:
      return "not_found";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::conflict:
      return "conflict";
    case errc::rate_limited:
      return "rate_limited";
    case errc::unauthorized:
      return "unauthorized";
    case errc::database_unavailable:
      return "database_unavailable";
    case errc::database_error:
      return "database_error";
    case errc::commit_unknown:
      return "commit_unknown";
    case errc::timeout:
      return "timeout";
    case errc::shutting_down:
      return "shutting_down";
    case errc::overloaded:
      return "overloaded";
    case errc::fenced:
      return "fenced";
    case errc::owner_unreachable:
      return "owner_unreachable";
  }
  return "unknown";
}

} // namespace messenger
