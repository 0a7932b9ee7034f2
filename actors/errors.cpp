#include "actors/errors.hpp"

#include <caf/all.hpp>

namespace messenger::actors {

caf::error to_caf_error(const error_info& info) {
  return caf::make_error(info.code, info.detail);
}

error_info from_caf_error(const caf::error& err) {
  if (err.category() == error_category) {
    std::string detail;
    if (err.context().match_elements<std::string>())
      detail = err.context().get_as<std::string>(0);
    return {static_cast<errc>(err.code()), detail};
  }
  if (err == caf::sec::request_timeout)
    return {errc::timeout, "request timed out"};
  if (err == caf::sec::request_receiver_down || err == caf::exit_reason::user_shutdown)
    return {errc::shutting_down, "receiver is gone"};
  return {errc::database_error, caf::to_string(err)};
}

std::string render_error(uint8_t code, caf::atom_value, const caf::message& context) {
  std::string out{to_string(static_cast<errc>(code))};
  if (context.match_elements<std::string>())
    out += ": " + context.get_as<std::string>(0);
  return out;
}

} // namespace messenger::actors
