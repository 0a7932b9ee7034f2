#include "domain/backoff.hpp"

namespace messenger::domain {

std::chrono::milliseconds backoff::delay(uint32_t attempt) const {
  auto result = base;
  for (uint32_t i = 0; i < attempt && result < cap; ++i)
    result *= 2;
  return result < cap ? result : cap;
}

} // namespace messenger::domain
