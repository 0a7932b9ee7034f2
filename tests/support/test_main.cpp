// main() of every test binary: CAF's unit-test engine.
#include <caf/test/unit_test_impl.hpp>
