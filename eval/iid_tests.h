// SPDX-License-Identifier: Apache-2.0
// The other IID tests of SP 800-90B: the chi-square tests of section 5.2
// (independence and goodness of fit, each with its binary and non-binary
// form) and the length of the longest repeated substring test (5.2.5),
// computed as NIST's reference implementation (ea_iid 1.1.7,
// iid/chi_square_tests.h and shared/lrs_test.h) computes them:
// - independence, non-binary: expected counts of each ordered pair of symbols
//   p_i p_j floor(L/2), sorted ascending (ties by pair), grouped into bins of
//   expectation >= 5 (a short last bin joins the one before); observed over
//   the L/2 non-overlapping pairs; df = bins - alphabet;
// - independence, binary: the largest m <= 11 with min(p0, p1)^m floor(L/m)
//   >= 5 (no test when m < 2: score 0, df 0, p-value 1); m-bit tuples over
//   floor(L/m) blocks against p1^w p0^(m-w); df = 2^m - 2;
// - goodness of fit, non-binary: expectations p_i floor(L/10) binned as above,
//   observed in each of 10 blocks of floor(L/10), T summed; df = 9 (bins - 1);
// - goodness of fit, binary: zeros and ones in 10 blocks; df = 9;
// - each fails when its p-value (upper tail of chi-square with df degrees of
//   freedom) is below 0.001;
// - LRS: W = length of the longest repeated substring, p_col = sum p_i^2,
//   N = C(L - W + 1, 2); passes iff Pr(X >= 1) = 1 - (1 - p_col^W)^N >= 0.001
//   (always when p_col is 1).
// Symbols are relabelled (EntropySamples::literal), each < alphabet. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace egdstat {

inline constexpr double kIidPValueCutoff = 0.001;

struct ChiSquareResult {
  double score = 0;
  int df = 0;
  double p_value = 1;
  bool passed = true;
};

ChiSquareResult ChiSquareIndependence(std::span<const uint8_t> symbols, int alphabet);
ChiSquareResult ChiSquareGoodnessOfFit(std::span<const uint8_t> symbols, int alphabet);

// P(X > x) for X chi-square with df degrees of freedom: the regularized upper
// incomplete gamma function Q(df/2, x/2); 1 when df <= 0 or x <= 0 (as the
// reference's cephes igamc).
double ChiSquareUpperTail(double x, int df);

struct LrsTestResult {
  size_t longest = 0;     // W
  double p_col = 0;       // probability that two samples are equal, if IID
  double probability = 1;  // Pr(X >= 1): some pair of W-substrings collides
  bool passed = true;
};

LrsTestResult LrsTest(std::span<const uint8_t> symbols, int alphabet);

}  // namespace egdstat
