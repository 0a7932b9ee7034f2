#pragma once

#include "persistence/queries/row.hpp"

/// The database health probe (readyz, the reader's health_atom).
namespace messenger::persistence::queries::health {

/// A trivial query: it succeeds when the connection can run a statement.
statement ping();

} // namespace messenger::persistence::queries::health
