#pragma once

// A small process-wide metrics registry for GET /metrics (Prometheus text exposition 0.0.4).
// Values are atomics: the hot paths (a request answered, a frame sent) never take a lock once
// their series exists. A series with labels is looked up under a shared lock and created once
// under an exclusive one; series are never removed, so references stay valid for the
// process's lifetime. Call sites with fixed labels keep the reference in a function-local
// static.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace messenger::metrics {

class counter {
public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<uint64_t> value_{0};
};

class gauge {
public:
  void add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(int64_t n) { value_.store(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<int64_t> value_{0};
};

/// Cumulative buckets over integer observations in a base unit (microseconds, commands);
/// `scale` divides them for the exposition (1e6: microseconds shown as seconds).
class histogram {
public:
  histogram(std::vector<uint64_t> bounds, double scale);
  void observe(uint64_t value);
  const std::vector<uint64_t>& bounds() const { return bounds_; }
  double scale() const { return scale_; }
  /// Observations <= bounds()[i] (cumulative), the total count, and the sum (base unit).
  uint64_t bucket(size_t i) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t sum() const { return sum_.load(std::memory_order_relaxed); }

private:
  std::vector<uint64_t> bounds_;
  double scale_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_; // per bucket, not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
};

/// Latency buckets in microseconds (0.5 ms … 10 s), shown in seconds.
std::vector<uint64_t> latency_bounds();

/// The series `name{labels}` (`labels` already rendered: `route="/x",status="200"`, or empty).
/// `help` is recorded the first time a name is seen. A name keeps the type it was created with.
counter& counter_of(std::string_view name, std::string_view help, const std::string& labels = {});
gauge& gauge_of(std::string_view name, std::string_view help, const std::string& labels = {});
histogram& histogram_of(std::string_view name, std::string_view help,
                        const std::vector<uint64_t>& bounds, double scale,
                        const std::string& labels = {});

/// `key="value"` with the value escaped for the exposition format.
std::string label(std::string_view key, std::string_view value);

/// Every series, grouped by name in name order: # HELP, # TYPE, samples.
std::string render();

} // namespace messenger::metrics
