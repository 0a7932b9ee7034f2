#include "actors/system_config.hpp"

#include "actors/errors.hpp"
#include "actors/message_types.hpp"

namespace messenger::actors {

system_config::system_config() {
  add_message_types<caf::id_block::messenger>();
  add_error_category(error_category, render_error);
}

} // namespace messenger::actors
