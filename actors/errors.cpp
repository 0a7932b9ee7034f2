#include "actors/errors.hpp"

#include <caf/all.hpp>

namespace messenger::actors {

caf::error to_caf_error(const error_info& info) {
  if (!info.constraint.empty())
    return caf::make_error(info.code, info.detail, info.constraint);
  return caf::make_error(info.code, info.detail);
}

error_info from_caf_error(const caf::error& err) {
  if (err.category() == error_category) {
    error_info info{static_cast<errc>(err.code()), {}};
    const auto& context = err.context();
    if (context.match_elements<std::string>()) {
      info.detail = context.get_as<std::string>(0);
    } else if (context.match_elements<std::string, std::string>()) {
      info.detail = context.get_as<std::string>(0);
      info.constraint = context.get_as<std::string>(1);
    }
    return info;
  }
  if (err == caf::sec::request_timeout)
    return {errc::timeout, "request timed out"};
  if (err == caf::exit_reason::remote_link_unreachable)
    return {errc::owner_unreachable, "the owning node is unreachable"};
  if (err == caf::sec::request_receiver_down || err == caf::exit_reason::user_shutdown)
    return {errc::shutting_down, "receiver is gone"};
  return {errc::database_error, caf::to_string(err)};
}

std::string render_error(uint8_t code, caf::atom_value, const caf::message& context) {
  std::string out{to_string(static_cast<errc>(code))};
  if (context.match_elements<std::string>() || context.match_elements<std::string, std::string>())
    out += ": " + context.get_as<std::string>(0);
  return out;
}

} // namespace messenger::actors
