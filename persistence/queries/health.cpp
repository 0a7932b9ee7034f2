#include "persistence/queries/health.hpp"

namespace messenger::persistence::queries::health {

statement ping() {
  return statement_of("SELECT 1");
}

} // namespace messenger::persistence::queries::health
