#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

/// Where an entity lives in a cluster: rendezvous (highest random weight) hashing over the
/// live members' node ids. Every node computes the same owner from the same member list;
/// when a member joins only the keys it now wins move (about 1/N), when one leaves only its
/// own keys move.
namespace messenger::domain::placement {

/// The key of an entity: "<kind>:<id>" (kind as entity_owners names it).
std::string key(std::string_view kind, int64_t id);

/// The weight of `node` for `key` (64-bit, well mixed).
uint64_t weight(std::string_view node, std::string_view key);

/// The member with the highest weight for `key` (ties: the smaller id); empty when there
/// are no members.
std::string owner(const std::vector<std::string>& members, std::string_view key);

} // namespace messenger::domain::placement
