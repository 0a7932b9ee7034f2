#pragma once

// Machine-readable results: every benchmark prints one `RESULT {json}` line per measured
// result (beside its human-readable lines), so tables and plots can be generated from the
// output with `grep '^RESULT ' | cut -c8-`. Every object has "bench" (B1, B2, …) and "case".

#include "bench/load_client.hpp"
#include <nlohmann/json.hpp>

#include <cstdio>
#include <vector>

namespace messenger::bench {

inline void result_line(const nlohmann::json& result) {
  std::printf("RESULT %s\n", result.dump().c_str());
  std::fflush(stdout);
}

/// p50, p90, p99 and max of latencies in microseconds, in milliseconds.
inline nlohmann::json latency_json(const std::vector<int64_t>& us) {
  return {{"count", us.size()},
          {"p50_ms", percentile_ms(us, 50)},
          {"p90_ms", percentile_ms(us, 90)},
          {"p99_ms", percentile_ms(us, 99)},
          {"max_ms", percentile_ms(us, 100)}};
}

} // namespace messenger::bench
