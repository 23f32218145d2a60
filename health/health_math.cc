#include "health/health_math.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace egd {

double SpecificValueTail(size_t n, size_t k) { return BinomialTail(n, k, 1.0 / 256); }

// P(all 256 counts <= k) = n! * [x^n] (sum_{i<=k} (x/256)^i / i!)^256, the
// polynomial raised to the 256th power by squaring (256 = 2^8). Its complement
// cancels catastrophically when tiny; there the union bound 256 x P(one value)
// is exact to a relative 128 x P(one value), far below anything that matters.
double AnyValueTail(size_t n, size_t k) {
  double union_bound = 256 * SpecificValueTail(n, k);
  if (union_bound < 1e-9) return union_bound;
  // Scale x -> x / 256 so that coefficients stay near probability size:
  // [x^n] (sum (x/256)^i / i!)^256 * n! = P(all counts <= k).
  std::vector<long double> poly(std::min(k, n) + 1);
  long double term = 1;
  for (size_t i = 0; i < poly.size(); ++i) {
    poly[i] = term;
    term = term / 256 / (i + 1);
  }
  auto square = [n](const std::vector<long double>& a) {
    std::vector<long double> r(std::min(2 * a.size() - 1, n + 1), 0.0L);
    for (size_t i = 0; i < a.size(); ++i)
      for (size_t j = 0; j < a.size() && i + j <= n; ++j) r[i + j] += a[i] * a[j];
    return r;
  };
  for (int s = 0; s < 8; ++s) poly = square(poly);
  if (poly.size() <= n) return 1.0;  // n > 256 * k: some value must exceed k
  long double all_within = poly[n] * std::exp(std::lgamma(n + 1.0L));
  return static_cast<double>(1 - all_within);
}

double BinomialTail(size_t n, size_t k, double p) {
  if (k >= n || p <= 0) return 0;
  if (p >= 1) return 1;
  // Summed over the upper tail directly: 1 - CDF would cancel when tiny.
  long double tail = 0;
  for (size_t i = k + 1; i <= n; ++i) {
    long double log_term = std::lgamma(n + 1.0L) - std::lgamma(i + 1.0L) -
                           std::lgamma(n - i + 1.0L) + i * std::log(static_cast<long double>(p)) +
                           (n - i) * std::log1p(-static_cast<long double>(p));
    tail += std::exp(log_term);
  }
  return static_cast<double>(std::min(tail, 1.0L));
}

size_t AssessedMaxIdentical(size_t chunk, size_t configured, double entropy_per_bit) {
  if (chunk < 2) return configured;
  const double target = AnyValueTail(chunk, configured);
  const double p = std::exp2(-8.0 * entropy_per_bit);
  const double values = std::min(256.0, std::floor(1.0 / p));
  size_t k = std::min(configured, chunk - 1);
  while (k < chunk - 1 && values * BinomialTail(chunk, k, p) > target) ++k;
  return k;
}

double ChunksPerYear(double bits_per_second, size_t chunk) {
  return 365.0 * 24 * 3600 * bits_per_second / (8.0 * chunk);
}

}  // namespace egd
