#include "common/metrics.hpp"

#include <cstdio>
#include <map>
#include <mutex>
#include <shared_mutex>

namespace messenger::metrics {

namespace {

enum class kind { counter, gauge, histogram };

struct family {
  kind type = kind::counter;
  std::string help;
  std::map<std::string, std::unique_ptr<counter>> counters;
  std::map<std::string, std::unique_ptr<gauge>> gauges;
  std::map<std::string, std::unique_ptr<histogram>> histograms;
};

struct registry {
  std::shared_mutex mutex;
  std::map<std::string, family, std::less<>> families;
};

registry& global() {
  static registry* r = new registry; // never destroyed: series outlive every static user
  return *r;
}

template <class T, class Make>
T& series(std::string_view name, std::string_view help, kind type, const std::string& labels,
          std::map<std::string, std::unique_ptr<T>> family::*member, Make make) {
  auto& reg = global();
  {
    std::shared_lock lock{reg.mutex};
    auto fam = reg.families.find(name);
    if (fam != reg.families.end()) {
      auto& map = fam->second.*member;
      if (auto it = map.find(labels); it != map.end())
        return *it->second;
    }
  }
  std::unique_lock lock{reg.mutex};
  auto fam = reg.families.find(name);
  if (fam == reg.families.end())
    fam
      = reg.families.emplace(std::string{name}, family{type, std::string{help}, {}, {}, {}}).first;
  auto& map = fam->second.*member;
  auto& slot = map[labels];
  if (!slot)
    slot = make();
  return *slot;
}

std::string number(double x) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", x);
  return buf;
}

std::string with_labels(const std::string& name, const std::string& labels,
                        const std::string& extra = {}) {
  std::string all = labels;
  if (!extra.empty())
    all += (all.empty() ? "" : ",") + extra;
  return all.empty() ? name : name + "{" + all + "}";
}

} // namespace

histogram::histogram(std::vector<uint64_t> bounds, double scale)
    : bounds_(std::move(bounds)),
      scale_(scale),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i)
    buckets_[i].store(0);
}

void histogram::observe(uint64_t value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i])
    ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t histogram::bucket(size_t i) const {
  uint64_t total = 0;
  for (size_t j = 0; j <= i && j <= bounds_.size(); ++j)
    total += buckets_[j].load(std::memory_order_relaxed);
  return total;
}

std::vector<uint64_t> latency_bounds() {
  return {500,    1000,   2500,   5000,    10000,   25000,   50000,
          100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
}

counter& counter_of(std::string_view name, std::string_view help, const std::string& labels) {
  return series<counter>(name, help, kind::counter, labels, &family::counters,
                         [] { return std::make_unique<counter>(); });
}

gauge& gauge_of(std::string_view name, std::string_view help, const std::string& labels) {
  return series<gauge>(name, help, kind::gauge, labels, &family::gauges,
                       [] { return std::make_unique<gauge>(); });
}

histogram& histogram_of(std::string_view name, std::string_view help,
                        const std::vector<uint64_t>& bounds, double scale,
                        const std::string& labels) {
  return series<histogram>(name, help, kind::histogram, labels, &family::histograms,
                           [&] { return std::make_unique<histogram>(bounds, scale); });
}

std::string label(std::string_view key, std::string_view value) {
  std::string out{key};
  out += "=\"";
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  out += '"';
  return out;
}

std::string render() {
  auto& reg = global();
  std::shared_lock lock{reg.mutex};
  std::string out;
  for (const auto& [name, fam] : reg.families) {
    const char* type = fam.type == kind::counter ? "counter"
                       : fam.type == kind::gauge ? "gauge"
                                                 : "histogram";
    out += "# HELP " + name + " " + fam.help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, c] : fam.counters)
      out += with_labels(name, labels) + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : fam.gauges)
      out += with_labels(name, labels) + " " + std::to_string(g->value()) + "\n";
    for (const auto& [labels, h] : fam.histograms) {
      for (size_t i = 0; i < h->bounds().size(); ++i)
        out += with_labels(name + "_bucket", labels,
                           label("le", number(static_cast<double>(h->bounds()[i]) / h->scale())))
               + " " + std::to_string(h->bucket(i)) + "\n";
      out += with_labels(name + "_bucket", labels, "le=\"+Inf\"") + " " + std::to_string(h->count())
             + "\n";
      out += with_labels(name + "_sum", labels) + " "
             + number(static_cast<double>(h->sum()) / h->scale()) + "\n";
      out += with_labels(name + "_count", labels) + " " + std::to_string(h->count()) + "\n";
    }
  }
  return out;
}

} // namespace messenger::metrics
