// SPDX-License-Identifier: Apache-2.0
#include "eval/iid_tests.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

#include "eval/estimate_tuple.h"

namespace egdstat {

namespace {

std::vector<double> Proportions(std::span<const uint8_t> symbols, int alphabet) {
  std::vector<double> p(static_cast<size_t>(alphabet), 0.0);
  for (uint8_t s : symbols) p[s] += 1.0;
  for (double& x : p) x /= static_cast<double>(symbols.size());
  return p;
}

// Categories (symbols or pairs of symbols) grouped into bins whose expected
// counts reach 5, from the smallest expectation up (the reference's
// allocate_bins).
struct Bins {
  std::vector<size_t> bin_of;      // per category
  std::vector<double> expected;    // per bin
};

Bins AllocateBins(const std::vector<double>& expectation) {
  std::vector<size_t> order(expectation.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return expectation[a] < expectation[b]; });
  Bins b;
  b.bin_of.assign(expectation.size(), 0);
  double current = 0;
  for (size_t i : order) {
    if (current >= 5.0) {
      b.expected.push_back(current);
      current = 0;
    }
    b.bin_of[i] = b.expected.size();
    current += expectation[i];
  }
  const size_t last = b.expected.size();
  if (last != 0 && current < 5.0) {
    for (size_t& bin : b.bin_of) bin = bin == last ? last - 1 : bin;
    b.expected[last - 1] += current;
  } else {
    b.expected.push_back(current);
  }
  return b;
}

double ChiSquareScore(const std::vector<double>& expected, const std::vector<uint64_t>& observed) {
  double t = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const double d = static_cast<double>(observed[i]) - expected[i];
    t += d * d / expected[i];
  }
  return t;
}

ChiSquareResult Finish(double score, int df) {
  ChiSquareResult r;
  r.score = score;
  r.df = df;
  r.p_value = ChiSquareUpperTail(score, df);
  r.passed = !(r.p_value < kIidPValueCutoff);
  return r;
}

ChiSquareResult BinaryIndependence(std::span<const uint8_t> bits) {
  const size_t n = bits.size();
  double p1 = 0;
  for (uint8_t b : bits) p1 += b;
  p1 /= static_cast<double>(n);
  const double p0 = 1.0 - p1, min_p = std::min(p0, p1);
  int m = 11;
  while (m > 1 && std::pow(min_p, m) * static_cast<double>(n / static_cast<size_t>(m)) < 5) --m;
  if (m < 2) return Finish(0, 0);
  const size_t blocks = n / static_cast<size_t>(m);
  std::vector<uint64_t> occurrences(size_t{1} << m, 0);
  for (size_t i = 0; i < blocks; ++i) {
    unsigned tuple = 0;
    for (int j = 0; j < m; ++j) tuple = (tuple << 1) | bits[i * static_cast<size_t>(m) + static_cast<size_t>(j)];
    ++occurrences[tuple];
  }
  double t = 0;
  for (size_t tuple = 0; tuple < occurrences.size(); ++tuple) {
    const int w = __builtin_popcountll(tuple);
    const double e = std::pow(p1, w) * std::pow(p0, m - w) * static_cast<double>(blocks);
    const double d = static_cast<double>(occurrences[tuple]) - e;
    t += d * d / e;
  }
  return Finish(t, (1 << m) - 2);
}

ChiSquareResult BinaryGoodnessOfFit(std::span<const uint8_t> bits) {
  const size_t sub = bits.size() / 10;
  uint64_t ones = 0;
  for (uint8_t b : bits) ones += b;
  const double p = static_cast<double>(ones) / static_cast<double>(bits.size());
  const double e0 = (1.0 - p) * static_cast<double>(sub), e1 = p * static_cast<double>(sub);
  double t = 0;
  for (size_t i = 0; i < 10; ++i) {
    uint64_t o1 = 0;
    for (size_t j = 0; j < sub; ++j) o1 += bits[i * sub + j];
    const double d1 = static_cast<double>(o1) - e1, d0 = static_cast<double>(sub - o1) - e0;
    t += d0 * d0 / e0 + d1 * d1 / e1;
  }
  return Finish(t, 9);
}

// P(a, x) by its power series; for x < a + 1.
double LowerGammaSeries(double a, double x) {
  double term = 1.0 / a, sum = term;
  for (int n = 1; n < 10000 && std::abs(term) > std::abs(sum) * 1e-17; ++n) {
    term *= x / (a + n);
    sum += term;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Q(a, x) by its continued fraction (modified Lentz); for x >= a + 1.
double UpperGammaFraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / kTiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    d = std::abs(d) < kTiny ? kTiny : d;
    c = b + an / c;
    c = std::abs(c) < kTiny ? kTiny : c;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1.0) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double ChiSquareUpperTail(double x, int df) {
  if (df <= 0 || x <= 0) return 1.0;
  const double a = df / 2.0, h = x / 2.0;
  return h < a + 1.0 ? 1.0 - LowerGammaSeries(a, h) : UpperGammaFraction(a, h);
}

ChiSquareResult ChiSquareIndependence(std::span<const uint8_t> symbols, int alphabet) {
  if (alphabet == 2) return BinaryIndependence(symbols);
  const size_t k = static_cast<size_t>(alphabet);
  const std::vector<double> p = Proportions(symbols, alphabet);
  const double pairs = std::floor(static_cast<double>(symbols.size()) * 0.5);
  std::vector<double> expectation(k * k);
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) expectation[i * k + j] = p[i] * p[j] * pairs;
  }
  const Bins bins = AllocateBins(expectation);
  std::vector<uint64_t> observed(bins.expected.size(), 0);
  for (size_t j = 0; j + 1 < symbols.size(); j += 2) ++observed[bins.bin_of[symbols[j] * k + symbols[j + 1]]];
  return Finish(ChiSquareScore(bins.expected, observed),
                static_cast<int>(bins.expected.size()) - alphabet);
}

ChiSquareResult ChiSquareGoodnessOfFit(std::span<const uint8_t> symbols, int alphabet) {
  if (alphabet == 2) return BinaryGoodnessOfFit(symbols);
  const std::vector<double> p = Proportions(symbols, alphabet);
  const size_t block = symbols.size() / 10;
  std::vector<double> expectation(p.size());
  for (size_t i = 0; i < p.size(); ++i) expectation[i] = p[i] * std::floor(static_cast<double>(symbols.size()) / 10.0);
  const Bins bins = AllocateBins(expectation);
  double t = 0;
  for (size_t b = 0; b < 10; ++b) {
    std::vector<uint64_t> observed(bins.expected.size(), 0);
    for (size_t j = b * block; j < (b + 1) * block; ++j) ++observed[bins.bin_of[symbols[j]]];
    t += ChiSquareScore(bins.expected, observed);
  }
  return Finish(t, 9 * (static_cast<int>(bins.expected.size()) - 1));
}

LrsTestResult LrsTest(std::span<const uint8_t> symbols, int alphabet) {
  LrsTestResult r;
  const std::vector<double> p = Proportions(symbols, alphabet);
  long double p_col = 0;
  for (double x : p) p_col += static_cast<long double>(x) * x;
  r.p_col = static_cast<double>(p_col);
  // One symbol only: a repeat of any length is certain (the reference passes).
  if (p_col > 1.0L - LDBL_EPSILON) return r;
  r.longest = AnalyzeRepeats(symbols, alphabet).longest;
  const long double per_pair = std::log1p(-std::pow(p_col, static_cast<long double>(r.longest)));
  const auto substrings = static_cast<long double>(symbols.size() - r.longest + 1);
  const long double pairs = substrings * (substrings - 1) / 2;
  r.probability = static_cast<double>(1.0L - std::exp(pairs * per_pair));
  r.passed = std::log(0.999L) >= pairs * per_pair;
  return r;
}

}  // namespace egdstat
