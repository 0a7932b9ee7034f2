#define CAF_SUITE domain.backoff
#include "domain/backoff.hpp"

#include <caf/test/unit_test.hpp>

using namespace std::chrono_literals;
using messenger::domain::backoff;

CAF_TEST(delay doubles per attempt and stops at the cap) {
  backoff b{100ms, 1000ms};
  CAF_CHECK_EQUAL(b.delay(0).count(), 100);
  CAF_CHECK_EQUAL(b.delay(1).count(), 200);
  CAF_CHECK_EQUAL(b.delay(2).count(), 400);
  CAF_CHECK_EQUAL(b.delay(3).count(), 800);
  CAF_CHECK_EQUAL(b.delay(4).count(), 1000);
  CAF_CHECK_EQUAL(b.delay(1000).count(), 1000);
}
