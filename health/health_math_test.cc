#include "health/health_math.h"

#include <catch2/catch.hpp>

namespace egd {
namespace {

TEST_CASE("the manual's 1.617e-7 is the tail for one specific byte value") {
  CHECK(SpecificValueTail(100, 6) == Approx(1.617009e-7).epsilon(1e-6));
  // The manual's year: 2,365,200 tests at 60 bit/s, 0.3825 false alarms.
  CHECK(ChunksPerYear(60, 100) == Approx(2365200));
  CHECK(ChunksPerYear(60, 100) * SpecificValueTail(100, 6) == Approx(0.3825).epsilon(1e-3));
}

TEST_CASE("testing every value (a source stuck at any value) alarms ~256x as often") {
  double per_chunk = AnyValueTail(100, 6);
  CHECK(per_chunk == Approx(4.139490e-5).epsilon(1e-5));
  CHECK(per_chunk < 256 * SpecificValueTail(100, 6));  // union bound
  CHECK(ChunksPerYear(60, 100) * per_chunk == Approx(97.907).epsilon(1e-4));
  // Higher limits, as tabulated in docs/health-tests.md.
  CHECK(AnyValueTail(100, 8) == Approx(7.488343e-8).epsilon(1e-5));
  CHECK(AnyValueTail(100, 12) == Approx(6.543887e-14).epsilon(1e-4));
}

TEST_CASE("degenerate limits") {
  CHECK(AnyValueTail(100, 100) == Approx(0).margin(1e-15));
  CHECK(AnyValueTail(300, 1) == 1.0);  // 300 bytes cannot all be distinct
}

TEST_CASE("the total failure threshold follows the assessed distribution") {
  // Reference values from the same union bound evaluated with mpmath at 200
  // bits of precision: the smallest k with min(256, 1/p) P(Bin(100, p) > k)
  // <= AnyValueTail(100, 12), p = 2^(-8H).
  CHECK(AssessedMaxIdentical(100, 12, 1.0) == 12);  // ideal bytes keep the default
  CHECK(AssessedMaxIdentical(100, 12, 0.9) == 15);
  CHECK(AssessedMaxIdentical(100, 12, 0.83) == 16);
  CHECK(AssessedMaxIdentical(100, 12, 0.415) == 39);  // bits with P(1) = 0.75
  CHECK(AssessedMaxIdentical(100, 12, 0.1) == 91);
  // Below that the limit stops at chunk - 1: a stuck source still fails in one chunk.
  CHECK(AssessedMaxIdentical(100, 12, 0.02) == 99);
  CHECK(AssessedMaxIdentical(100, 12, 0.001) == 99);
  // An operator's higher limit sets a lower target, for ideal and assessed sources alike.
  CHECK(AssessedMaxIdentical(100, 40, 1.0) == 40);
  CHECK(AssessedMaxIdentical(100, 40, 0.9) == 45);
}

TEST_CASE("binomial tail") {
  CHECK(BinomialTail(100, 6, 1.0 / 256) == Approx(SpecificValueTail(100, 6)).epsilon(1e-12));
  CHECK(BinomialTail(2, 0, 0.5) == Approx(0.75));
  CHECK(BinomialTail(10, 10, 0.5) == 0);
  CHECK(BinomialTail(10, 3, 1.0) == 1);
}

}  // namespace
}  // namespace egd
