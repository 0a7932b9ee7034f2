#pragma once

#include "common/expected.hpp"

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

#include <string>

CAF_ERROR_CODE_ENUM(messenger::errc, "messenger")

namespace messenger::actors {

/// The CAF error category of messenger::errc.
inline constexpr caf::atom_value error_category = caf::atom("messenger");

/// errc + detail -> caf::error (crosses actors and nodes).
caf::error to_caf_error(const error_info& info);

/// caf::error -> errc + detail. System errors (request_timeout, ...) are mapped to the
/// closest errc (timeout, shutting_down, ...).
error_info from_caf_error(const caf::error& err);

/// Renders an error of our category for actor_system::render().
std::string render_error(uint8_t code, caf::atom_value category, const caf::message& context);

} // namespace messenger::actors
