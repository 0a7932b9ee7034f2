#pragma once

#include "actors/interfaces.hpp"

#include <caf/fwd.hpp>

#include <map>
#include <memory>
#include <vector>

namespace messenger::test {

/// The data behind a memory store (pure actor unit tests only; everything that touches
/// persistence for real runs against PostgreSQL).
struct memory_data {
  std::map<int64_t, actors::conversation_row> conversations;
  std::map<int64_t, actors::inbox_row> inboxes;
  std::map<int64_t, actors::operator_row> operators;
  std::vector<actors::message_row> messages;
  std::vector<actors::reporting_row> reports;
  int64_t saves = 0;
  int64_t inbox_saves = 0; ///< inbox assignment states saved
  int64_t epochs = 0;      ///< acquires answered
  bool fail_saves = false; ///< every save fails with database_unavailable
};

/// A store_actor over `data` (shared with the test, which inspects it).
actors::store_actor spawn_memory_store(caf::actor_system& sys, std::shared_ptr<memory_data> data);

} // namespace messenger::test
