#include "firmware/core/sample_scheduler.h"

#include <catch2/catch.hpp>

namespace trng {
namespace {

TEST_CASE("Samples are due at the exact average rate", "[scheduler]") {
  SampleScheduler s(240, 1);
  s.Start(0);
  uint64_t taken = 0;
  for (uint32_t t = 1; t <= 10'000'000; t += 97) taken += s.Due(t);  // ~10 s
  REQUIRE(taken >= 2399);
  REQUIRE(taken <= 2400);
  REQUIRE(s.late() == 0);
}

TEST_CASE("The clock wrap at 2^32 microseconds is harmless", "[scheduler]") {
  SampleScheduler s(1000, 1);
  const uint32_t start = 0xFFFFFFFFu - 5500;  // 5.5 ms before the wrap
  s.Start(start);
  uint32_t taken = 0;
  for (uint32_t k = 1; k <= 1100; ++k) taken += s.Due(start + k * 10);  // 11 ms across
  REQUIRE(taken == 11);
}

TEST_CASE("A late loop skips samples instead of bunching them", "[scheduler]") {
  SampleScheduler s(1000, 1);
  s.Start(0);
  REQUIRE(s.Due(500) == 0);
  REQUIRE(s.Due(10'000) == 1);  // 10 due, 1 taken
  REQUIRE(s.late() == 9);
  REQUIRE(s.Due(11'000) == 1);  // back on schedule
  SampleScheduler burst(1000, 8);
  burst.Start(0);
  REQUIRE(burst.Due(5'000) == 5);
  REQUIRE(burst.Due(50'000) == 8);
  REQUIRE(burst.late() == 37);
}

}  // namespace
}  // namespace trng
