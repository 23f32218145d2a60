// SPDX-License-Identifier: Apache-2.0
// The chi-square and LRS tests of SP 800-90B section 5 (iid_tests.h) on
// crafted inputs whose statistics are worked out by hand below.
#include "eval/iid_tests.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "eval/test_util.h"

namespace egdstat {
namespace {

using Bytes = std::vector<uint8_t>;

TEST_CASE("Chi-square upper tail") {
  CHECK(ChiSquareUpperTail(2.0, 2) == Approx(std::exp(-1.0)).epsilon(1e-12));  // df 2: e^(-x/2)
  CHECK(ChiSquareUpperTail(3.841458820694124, 1) == Approx(0.05).epsilon(1e-9));
  CHECK(ChiSquareUpperTail(23.20925118214052, 10) == Approx(0.01).epsilon(1e-6));
  // Even df = 2k: Q(k, y) = e^-y sum_{i<k} y^i / i!, on both branches (y < k + 1 and y >= k + 1).
  for (double x : {0.5, 3.0, 9.0, 30.0}) {
    const double y = x / 2;
    double sum = 0, term = 1;
    for (int i = 0; i < 5; ++i) {
      sum += term;
      term *= y / (i + 1);
    }
    CAPTURE(x);
    CHECK(ChiSquareUpperTail(x, 10) == Approx(std::exp(-y) * sum).epsilon(1e-12));
  }
  CHECK(ChiSquareUpperTail(5.0, 0) == 1.0);
}

TEST_CASE("Chi-square goodness of fit, binary: hand-computed") {
  // 20 bits in 10 blocks of 2: five blocks 11, five blocks 00; p = 1/2, so
  // e0 = e1 = 1 and each block adds (0-1)^2 + (2-1)^2 = 2: T = 20, df 9.
  Bytes bits(20, 0);
  std::fill(bits.begin(), bits.begin() + 10, 1);
  const ChiSquareResult r = ChiSquareGoodnessOfFit(bits, 2);
  CHECK(r.score == Approx(20.0));
  CHECK(r.df == 9);
  CHECK(r.p_value == Approx(ChiSquareUpperTail(20.0, 9)));
  CHECK(r.p_value > 0.001);
  CHECK(r.passed);
}

TEST_CASE("Chi-square independence, binary: hand-computed") {
  // 40 bits "01" x 20, p1 = 1/2: m = 2 (0.5^3 * 13 < 5 <= 0.5^2 * 20); the
  // 20 two-bit tuples are all 01 against 5 expected each:
  // T = 3 * 25/5 + 15^2/5 = 60, df = 2^2 - 2 = 2.
  Bytes bits;
  for (int i = 0; i < 20; ++i) bits.insert(bits.end(), {0, 1});
  const ChiSquareResult r = ChiSquareIndependence(bits, 2);
  CHECK(r.score == Approx(60.0));
  CHECK(r.df == 2);
  CHECK(r.p_value == Approx(std::exp(-30.0)).epsilon(1e-9));
  CHECK_FALSE(r.passed);
  // 20 bits: not even m = 2 qualifies (0.25 * 10 < 5): no test, p-value 1.
  const ChiSquareResult none = ChiSquareIndependence(Bytes(bits.begin(), bits.begin() + 20), 2);
  CHECK(none.df == 0);
  CHECK(none.p_value == 1.0);
  CHECK(none.passed);
}

TEST_CASE("Chi-square independence, non-binary: hand-computed") {
  // 60 samples, each of 0, 1, 2 twenty times, as 30 pairs (a, a), ten of each.
  // Every pair expects 1/9 * 30 = 10/3; in pair order the bins are {00, 01},
  // {02, 10}, {11, 12}, {20, 21, 22} (the last alone falls short of 5 and joins
  // the one before): expected 20/3, 20/3, 20/3, 10, observed 10, 0, 10, 10.
  // T = (10/3)^2 / (20/3) * 2 + (20/3)^2 / (20/3) = 5/3 * 2 + 20/3 = 10, df 4 - 3 = 1.
  Bytes s;
  for (int i = 0; i < 10; ++i) {
    for (uint8_t v : {0, 1, 2}) s.insert(s.end(), {v, v});
  }
  const ChiSquareResult r = ChiSquareIndependence(s, 3);
  CHECK(r.score == Approx(10.0));
  CHECK(r.df == 1);
  // P(chi-square_1 > x) = erfc(sqrt(x / 2)): 0.00157, just above the 0.001 cutoff.
  CHECK(r.p_value == Approx(std::erfc(std::sqrt(5.0))).epsilon(1e-9));
  CHECK(r.passed);
}

TEST_CASE("Chi-square tests on random and on skewed non-binary data") {
  const Bytes random = testing::RandomBytes(100000, 5);
  CHECK(ChiSquareIndependence(random, 256).passed);
  CHECK(ChiSquareGoodnessOfFit(random, 256).passed);
  // Goodness of fit: the first half draws from 0..127, the second from 128..255.
  Bytes halves = random;
  for (size_t i = 0; i < halves.size(); ++i) halves[i] = static_cast<uint8_t>((halves[i] & 0x7f) | (i < 50000 ? 0 : 0x80));
  const ChiSquareResult gof = ChiSquareGoodnessOfFit(halves, 256);
  CHECK_FALSE(gof.passed);
  CHECK(gof.df == 9 * 255);  // 100000/10 * 1/256 = 39 per value: every value its own bin
}

TEST_CASE("LRS test") {
  // 0 1 2 0 1 3: the longest repeat is "0 1", W = 2; p_col = (4+4+1+1)/36;
  // N = C(6 - 2 + 1, 2) = 10 pairs; Pr(X >= 1) = 1 - (1 - p_col^2)^10.
  const LrsTestResult r = LrsTest(Bytes{0, 1, 2, 0, 1, 3}, 4);
  CHECK(r.longest == 2);
  CHECK(r.p_col == Approx(10.0 / 36));
  CHECK(r.probability == Approx(1 - std::pow(1 - std::pow(10.0 / 36, 2), 10)));
  CHECK(r.passed);
  // Random data passes; the same with its first 200 samples repeated at the end fails.
  Bytes random = testing::RandomBytes(20000, 6);
  CHECK(LrsTest(random, 256).passed);
  random.insert(random.end(), random.begin(), random.begin() + 200);
  const LrsTestResult copied = LrsTest(random, 256);
  CHECK(copied.longest >= 200);
  CHECK_FALSE(copied.passed);
  // One symbol: a repeat is certain, the reference passes it.
  CHECK(LrsTest(Bytes(100, 0), 1).passed);
}

}  // namespace
}  // namespace egdstat
