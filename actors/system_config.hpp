#pragma once

#include <caf/actor_system_config.hpp>

namespace messenger::actors {

/// The actor_system_config of every node and every test fixture: registers the
/// messenger type-ID block and error category.
class system_config : public caf::actor_system_config {
public:
  system_config();
};

} // namespace messenger::actors
