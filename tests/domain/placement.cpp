#define CAF_SUITE domain.placement
#include "domain/placement.hpp"

#include <caf/test/unit_test.hpp>

#include <map>

using namespace messenger::domain;

namespace {

std::vector<std::string> nodes(std::initializer_list<const char*> ids) {
  return {ids.begin(), ids.end()};
}

/// Owner of "conversation:<i>" for i in [0, n).
std::vector<std::string> owners(const std::vector<std::string>& members, int64_t n) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < n; ++i)
    out.push_back(placement::owner(members, placement::key("conversation", i)));
  return out;
}

} // namespace

CAF_TEST(every node computes the same owner whatever the order of the member list) {
  auto a = nodes({"node-1", "node-2", "node-3"});
  auto b = nodes({"node-3", "node-1", "node-2"});
  CAF_CHECK(owners(a, 1000) == owners(b, 1000));
  CAF_CHECK_EQUAL(placement::owner({}, "conversation:1"), "");
  CAF_CHECK_EQUAL(placement::owner(nodes({"solo"}), "inbox:7"), "solo");
}

CAF_TEST(three nodes share 30000 keys about evenly) {
  std::map<std::string, int> counts;
  for (const auto& o : owners(nodes({"node-1", "node-2", "node-3"}), 30000))
    ++counts[o];
  CAF_REQUIRE_EQUAL(counts.size(), 3u);
  for (const auto& [node, n] : counts) {
    CAF_MESSAGE(node << ": " << n);
    CAF_CHECK(n > 9000 && n < 11000);
  }
}

CAF_TEST(a joining node takes about a quarter and only from others to itself) {
  auto before = owners(nodes({"node-1", "node-2", "node-3"}), 20000);
  auto after = owners(nodes({"node-1", "node-2", "node-3", "node-4"}), 20000);
  int moved = 0;
  bool only_to_new = true;
  for (size_t i = 0; i < before.size(); ++i)
    if (before[i] != after[i]) {
      ++moved;
      only_to_new = only_to_new && after[i] == "node-4";
    }
  CAF_MESSAGE("moved " << moved << " of 20000");
  CAF_CHECK(only_to_new);
  CAF_CHECK(moved > 4000 && moved < 6000);
}

CAF_TEST(a leaving node gives away only its own keys) {
  auto before = owners(nodes({"node-1", "node-2", "node-3"}), 20000);
  auto after = owners(nodes({"node-1", "node-3"}), 20000);
  for (size_t i = 0; i < before.size(); ++i)
    if (before[i] != "node-2")
      CAF_CHECK_EQUAL(before[i], after[i]);
    else
      CAF_CHECK_NOT_EQUAL(after[i], "node-2");
}

CAF_TEST(kinds are placed independently) {
  auto members = nodes({"node-1", "node-2", "node-3"});
  int same = 0;
  for (int64_t i = 0; i < 3000; ++i)
    same += placement::owner(members, placement::key("conversation", i))
            == placement::owner(members, placement::key("inbox", i));
  CAF_CHECK(same > 700 && same < 1300); // about a third by chance, not always
}
