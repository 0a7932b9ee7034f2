#define CAF_SUITE domain.assignment
#include "domain/presence.hpp"
#include "domain/rate_limiter.hpp"
#include "domain/request_limiter.hpp"
#include "domain/round_robin.hpp"

#include <caf/test/unit_test.hpp>

using namespace messenger::domain;
using namespace std::chrono_literals;

namespace {
const timestamp t0 = from_micros(1'700'000'000'000'000);

std::vector<int64_t> order(const round_robin_ring& ring) {
  return {ring.order().begin(), ring.order().end()};
}
} // namespace

CAF_TEST(chatwoot m0 to m4 example) {
  round_robin_ring ring;
  std::vector<int64_t> members{0, 1, 2, 3, 4};
  for (auto m : members)
    ring.add(m);
  CAF_CHECK_EQUAL(order(ring), (std::vector<int64_t>{4, 3, 2, 1, 0}));
  auto picked = ring.pick(members, {0, 4});
  CAF_REQUIRE(picked.has_value());
  CAF_CHECK_EQUAL(*picked, 0);
  CAF_CHECK_EQUAL(order(ring), (std::vector<int64_t>{0, 4, 3, 2, 1}));
  CAF_CHECK_EQUAL(ring.pick(members, {0, 4}).value_or(-1), 4);
  CAF_CHECK_EQUAL(ring.pick(members, {0, 1, 2, 3, 4}).value_or(-1), 1);
}

CAF_TEST(least recently picked goes next and new members queue behind) {
  round_robin_ring ring;
  std::vector<int64_t> members{10, 20, 30};
  ring.reset(members);
  std::set<int64_t> all{10, 20, 30};
  CAF_CHECK_EQUAL(ring.pick(members, all).value_or(-1), 10);
  CAF_CHECK_EQUAL(ring.pick(members, all).value_or(-1), 20);
  members.push_back(40);
  ring.add(40);
  all.insert(40);
  // The new member queues behind everyone already in the ring (it was pushed at the
  // head), even behind those picked before it joined.
  CAF_CHECK_EQUAL(ring.pick(members, all).value_or(-1), 30);
  CAF_CHECK_EQUAL(ring.pick(members, all).value_or(-1), 10);
  CAF_CHECK_EQUAL(ring.pick(members, all).value_or(-1), 20);
  CAF_CHECK_EQUAL(ring.pick(members, all).value_or(-1), 40);
}

CAF_TEST(no eligible agent picks nothing and keeps the order) {
  round_robin_ring ring;
  std::vector<int64_t> members{1, 2};
  ring.reset(members);
  CAF_CHECK(!ring.pick(members, {}).has_value());
  CAF_CHECK(!ring.pick(members, {99}).has_value());
  CAF_CHECK_EQUAL(order(ring), (std::vector<int64_t>{2, 1}));
}

CAF_TEST(the ring heals itself against the member list) {
  round_robin_ring ring;
  ring.add(1);
  ring.add(2);
  ring.add(99); // stale id, e.g. a missed removal
  std::vector<int64_t> members{1, 2, 3};
  CAF_CHECK_EQUAL(ring.pick(members, {3}).value_or(-1), 3);
  CAF_CHECK_EQUAL(order(ring), (std::vector<int64_t>{3, 2, 1}));
  ring.remove(2);
  members = {1, 3};
  CAF_CHECK_EQUAL(ring.pick(members, {1, 3}).value_or(-1), 1);
}

CAF_TEST(rate limiter window) {
  assignment_rate_limiter limiter{2, 300s};
  CAF_CHECK(limiter.within_limit(7, t0));
  limiter.record(7, t0);
  limiter.record(7, t0 + 10s);
  CAF_CHECK(!limiter.within_limit(7, t0 + 20s));
  CAF_CHECK(limiter.within_limit(8, t0 + 20s));
  CAF_CHECK(limiter.next_free(7, t0 + 20s) == t0 + 300s);
  CAF_CHECK(!limiter.within_limit(7, t0 + 299s));
  CAF_CHECK(limiter.within_limit(7, t0 + 300s));
  auto counts = limiter.counts(t0 + 300s); // (locals: CAF_CHECK_EQUAL keeps references)
  CAF_CHECK_EQUAL(counts.at(7), 1u);
  auto later = limiter.counts(t0 + 310s);
  CAF_CHECK(later.empty());
}

CAF_TEST(a restored ring keeps its order and catches up with member changes) {
  round_robin_ring ring;
  std::vector<int64_t> members{10, 20, 30};
  ring.reset(members);
  std::set<int64_t> all{10, 20, 30};
  ring.pick(members, all); // 10
  ring.pick(members, all); // 20
  round_robin_ring next;
  next.restore(order(ring), members);
  CAF_CHECK_EQUAL(order(next), order(ring));
  CAF_CHECK_EQUAL(next.pick(members, all).value_or(-1), 30);
  // Saved as {30, 20, 10}; meanwhile 20 left and 40 joined: 40 is pushed to the head.
  round_robin_ring later;
  later.restore(order(next), {10, 30, 40});
  CAF_CHECK_EQUAL(order(later), (std::vector<int64_t>{40, 30, 10}));
  CAF_CHECK_EQUAL(later.pick({10, 30, 40}, {10, 30, 40}).value_or(-1), 10);
  round_robin_ring fresh;
  fresh.restore({}, members);
  CAF_CHECK_EQUAL(order(fresh), (std::vector<int64_t>{30, 20, 10}));
}

CAF_TEST(rate limiter records restore into an equal limiter) {
  assignment_rate_limiter limiter{2, 300s};
  limiter.record(7, t0);
  limiter.record(8, t0 + 10s);
  limiter.record(7, t0 + 20s);
  assignment_rate_limiter next{2, 300s};
  next.restore(limiter.recorded(t0 + 30s));
  auto restored = next.counts(t0 + 30s); // (locals: CAF_CHECK_EQUAL keeps references)
  auto original = limiter.counts(t0 + 30s);
  CAF_CHECK(restored == original);
  CAF_CHECK_EQUAL(restored.size(), 2u);
  CAF_CHECK(!next.within_limit(7, t0 + 30s));
  CAF_CHECK(next.within_limit(8, t0 + 30s));
  CAF_CHECK(next.next_free(7, t0 + 30s) == t0 + 300s);
  CAF_CHECK(next.within_limit(7, t0 + 300s));
  CAF_CHECK_EQUAL(limiter.recorded(t0 + 305s).size(), 2u); // t0's record left the window
}

CAF_TEST(presence expires and auto_offline false is always present) {
  agent_presence p;
  auto fresh = std::chrono::duration_cast<duration>(20s);
  CAF_CHECK(p.status(t0, fresh) == availability::offline);
  p.last_ping = t0;
  CAF_CHECK(p.eligible(t0 + 19s, fresh));
  CAF_CHECK(!p.eligible(t0 + 20s, fresh));
  CAF_CHECK(p.expires_at(fresh) == t0 + 20s);
  p.connections = 1;
  CAF_CHECK(p.eligible(t0 + 1h, fresh));
  p.connections = 0;
  p.configured = availability::busy;
  p.last_ping = t0 + 1h;
  CAF_CHECK(p.status(t0 + 1h, fresh) == availability::busy);
  CAF_CHECK(!p.eligible(t0 + 1h, fresh));
  p.auto_offline = false;
  p.configured = availability::online;
  CAF_CHECK(p.eligible(t0 + 100h, fresh));
}

CAF_TEST(request limiter counts per key in fixed windows) {
  request_limiter limiter{60s, 3};
  auto w0 = timestamp{} + 600s; // window boundary
  CAF_CHECK(limiter.allow("ip:a", 2, w0));
  CAF_CHECK(limiter.allow("ip:a", 2, w0 + 1s));
  CAF_CHECK(!limiter.allow("ip:a", 2, w0 + 2s));
  CAF_CHECK(limiter.allow("ip:b", 2, w0 + 2s));
  CAF_CHECK_EQUAL(limiter.retry_after(w0 + 2s), 58);
  // The next window starts afresh.
  CAF_CHECK(limiter.allow("ip:a", 2, w0 + 60s));
  // Bounded memory: beyond max_keys, unseen keys are not tracked (and pass).
  CAF_CHECK(limiter.allow("k1", 1, w0 + 61s));
  CAF_CHECK(limiter.allow("k2", 1, w0 + 61s));
  CAF_CHECK_EQUAL(limiter.tracked_keys(), 3u);
  CAF_CHECK(limiter.allow("k3", 1, w0 + 61s));
  CAF_CHECK(limiter.allow("k3", 1, w0 + 61s));
  CAF_CHECK_EQUAL(limiter.tracked_keys(), 3u);
}
