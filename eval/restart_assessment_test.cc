// SPDX-License-Identifier: Apache-2.0
// The SP 800-90B restart tests (restart_assessment.h): the sanity check's
// cutoff against independent arithmetic, and the verdicts on crafted matrices.
#include "eval/restart_assessment.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "eval/test_util.h"

namespace egdstat {
namespace {

using Bytes = std::vector<uint8_t>;

// P(X > c) for X ~ Binomial(n, p), summed directly.
double BinomialTail(int n, double p, int c) {
  double tail = 0;
  for (int i = c + 1; i <= n; ++i) {
    tail += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) + i * std::log(p) +
                     (n - i) * std::log1p(-p));
  }
  return tail;
}

TEST_CASE("Restart: distribution of the most common value's count") {
  // Two values of probability 1/2, 4 samples: max <= 2 only for a 2-2 split, 6/16.
  CHECK(MaxCountCdf(2, 0.5, 4) == Approx(6.0 / 16));
  CHECK(MaxCountCdf(4, 0.5, 4) == Approx(1.0));
  // p = 0.4: values of 0.4, 0.4 and the rest 0.2; 2 samples: max <= 1 unless
  // both are the same value: 1 - (0.16 + 0.16 + 0.04).
  CHECK(MaxCountCdf(1, 0.4, 2) == Approx(0.64));
  // 256 equal values in 1000 samples: the tail lies between one value's tail
  // and the union bound over 256 values.
  for (int c : {10, 14, 18}) {
    const double tail = 1 - MaxCountCdf(c, 1.0 / 256, 1000), one = BinomialTail(1000, 1.0 / 256, c);
    CAPTURE(c);
    CHECK(tail >= one);
    CHECK(tail <= 256 * one * (1 + 1e-9));
    if (c >= 14) CHECK(tail == Approx(256 * one).epsilon(0.1));  // the union bound is nearly exact far out
  }
}

TEST_CASE("Restart: the sanity check cutoff is the 1 - alpha quantile") {
  const double alpha = RestartAlpha();
  CHECK(alpha == Approx(5.0e-6).epsilon(0.01));  // 1 - 0.99^(1/2000)
  for (double h : {8.0, 4.0, 1.0, 0.5}) {
    const int cutoff = RestartCutoff(h, alpha);
    const double p = std::pow(2.0, -h);
    CAPTURE(h, cutoff);
    CHECK(MaxCountCdf(cutoff, p, 1000) >= 1 - alpha);
    CHECK(MaxCountCdf(cutoff - 1, p, 1000) < 1 - alpha);
  }
  // H_I = 1 (two values of 1/2): the larger count exceeds c with
  // probability 2 P(X > c), X ~ Binomial(1000, 1/2) (they cannot both).
  const int c1 = RestartCutoff(1.0, alpha);
  CHECK(2 * BinomialTail(1000, 0.5, c1) <= alpha);
  CHECK(2 * BinomialTail(1000, 0.5, c1 - 1) > alpha);
}

TEST_CASE("Restart: wrong sizes and bad H_I are errors") {
  RestartAssessment a;
  CHECK(AssessRestart(Bytes(999999, 1), 8, 4, &a).find("needs exactly 1000000 samples") == 0);
  CHECK_FALSE(AssessRestart(Bytes(1000001, 1), 8, 4, &a).empty());
  const Bytes random = testing::RandomBytes(1000000, 9);
  CHECK_FALSE(AssessRestart(random, 8, 8.5, &a).empty());
  CHECK_FALSE(AssessRestart(random, 4, 2, &a).empty());  // samples wider than 4 bits
  CHECK_FALSE(AssessRestart(Bytes(1000000, 3), 8, 1, &a).empty());  // one symbol
}

TEST_CASE("Restart: rows that all start the same fail the sanity check") {
  // Every restart begins with the same 20 samples: each of the first 20
  // columns holds one value 1000 times.
  Bytes data = testing::RandomBytes(1000000, 10);
  for (size_t row = 1; row < 1000; ++row) std::copy(data.begin(), data.begin() + 20, data.begin() + row * 1000);
  RestartAssessment a;
  REQUIRE(AssessRestart(data, 8, 7, &a).empty());
  CHECK(a.max_column_count == 1000);
  CHECK(a.max_row_count < a.cutoff);
  CHECK_FALSE(a.sanity_passed);
  CHECK_FALSE(a.passed());
  CHECK_FALSE(a.rows);  // the reference stops at the sanity check
}

TEST_CASE("Restart: random 4-bit samples pass") {
  Bytes data = testing::RandomBytes(1000000, 13);
  for (uint8_t& v : data) v &= 0x0f;
  RestartAssessment a;
  REQUIRE(AssessRestart(data, 4, 3.5, &a).empty());
  CHECK(a.sanity_passed);
  REQUIRE(a.rows);
  REQUIRE(a.columns);
  CHECK_FALSE(a.rows->h_bitstring);  // literal samples only, as ea_restart
  CHECK(a.h_r > 3.5);
  CHECK(a.h_c > 3.5);
  CHECK(a.h_r <= 4);
  CHECK(a.validation_passed);
  CHECK(a.passed());
  CHECK(a.min_entropy == 3.5);  // min(H_r, H_c, H_I)
}

TEST_CASE("Restart: validation fails when H_r or H_c is below H_I / 2") {
  // Each restart counts 0, 1, ..., 15, 0, ... (mod 16) from a random start:
  // the rows concatenated are predictable (H_r near 0; the columns too, as
  // column j + 16 repeats column j), yet every value occurs 62 or 63 times in
  // a row and about 62 times in a column: the sanity check passes.
  const Bytes starts = testing::RandomBytes(1000, 14);
  Bytes data(1000000);
  for (size_t row = 0; row < 1000; ++row) {
    for (size_t j = 0; j < 1000; ++j) data[row * 1000 + j] = static_cast<uint8_t>((starts[row] + j) % 16);
  }
  RestartAssessment a;
  REQUIRE(AssessRestart(data, 4, 4, &a).empty());
  CHECK(a.sanity_passed);
  CHECK(a.max_row_count == 63);
  CHECK(a.h_r < 0.5);
  CHECK(a.max_column_count < a.cutoff);
  CHECK_FALSE(a.validation_passed);
  CHECK_FALSE(a.passed());
}

}  // namespace
}  // namespace egdstat
