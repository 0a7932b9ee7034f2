#include "domain/placement.hpp"

namespace messenger::domain::placement {

namespace {

/// FNV-1a over the bytes, continuing from `h`.
uint64_t fnv1a(std::string_view bytes, uint64_t h) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// SplitMix64's finaliser: spreads FNV's weak low bits over the whole word.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

} // namespace

std::string key(std::string_view kind, int64_t id) {
  std::string out{kind};
  out += ':';
  out += std::to_string(id);
  return out;
}

uint64_t weight(std::string_view node, std::string_view key) {
  auto h = fnv1a(node, 0xcbf29ce484222325ULL);
  h = fnv1a(std::string_view{"\0", 1}, h);
  return mix(fnv1a(key, h));
}

std::string owner(const std::vector<std::string>& members, std::string_view key) {
  const std::string* best = nullptr;
  uint64_t best_weight = 0;
  for (const auto& m : members) {
    auto w = weight(m, key);
    if (best == nullptr || w > best_weight || (w == best_weight && m < *best)) {
      best = &m;
      best_weight = w;
    }
  }
  return best == nullptr ? std::string{} : *best;
}

} // namespace messenger::domain::placement
