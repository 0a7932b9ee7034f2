#include "actors/system_config.hpp"

#include "actors/errors.hpp"
#include "actors/interfaces.hpp"

namespace messenger::actors {

system_config::system_config() {
  add_message_types<caf::id_block::messenger>();
  // Entity handles travel between nodes as answers of a peer's gateway.
  add_message_type<conversation_actor>("messenger::actors::conversation_actor");
  add_message_type<inbox_actor>("messenger::actors::inbox_actor");
  add_message_type<operator_actor>("messenger::actors::operator_actor");
  add_message_type<gateway_actor>("messenger::actors::gateway_actor");
  add_error_category(error_category, render_error);
}

} // namespace messenger::actors
