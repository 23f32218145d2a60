// SPDX-License-Identifier: Apache-2.0
#include "eval/estimate_binary.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <utility>
#include <vector>

#include "eval/entropy_estimators.h"

namespace egdstat {

namespace {

// Compensated summation, as the reference sums the compression statistic and
// its G function (long sums of logarithms).
struct KahanSum {
  double sum = 0;
  double carry = 0;
  void Add(double x) {
    const double y = x - carry;
    const double t = sum + y;
    carry = (t - sum) - y;
    sum = t;
  }
};

// ---- 6.3.2 collision -------------------------------------------------------

struct CollisionTimes {
  size_t v = 0;       // collisions
  size_t sum_t = 0;   // sum of the times
  size_t sum_t2 = 0;  // sum of their squares
};

// From each start, bits are read until one repeats: in a binary alphabet the
// time is 2 (00, 11) or 3 (010, 011, 100, 101). Like the reference, a time of
// 3 that would run past the end is not counted.
CollisionTimes CountCollisions(std::span<const uint8_t> bits) {
  const size_t n = bits.size();
  CollisionTimes c;
  size_t i = 0;
  while (i + 2 < n) {  // room for either time: no branch on the data
    const size_t t = 3 - static_cast<size_t>(bits[i] == bits[i + 1]);
    ++c.v;
    c.sum_t2 += t * t;
    i += t;
  }
  if (i + 1 < n && bits[i] == bits[i + 1]) {  // the last two bits, a collision
    ++c.v;
    c.sum_t2 += 4;
    i += 2;
  }
  c.sum_t = i;
  return c;
}

// ---- 6.3.4 compression -----------------------------------------------------

constexpr int kBlockBits = 6;
constexpr size_t kAlphabet = size_t{1} << kBlockBits;  // 64 block values
constexpr size_t kDictionaryBlocks = 1000;             // d in the standard

// log2(k) for k = 0..size()-1 (log2(0) is never read), grown on demand so that
// only the prefix the statistic and the search need is computed.
class Log2Table {
 public:
  double operator[](size_t k) const {
    return k < table_.size() ? table_[k] : std::log2(static_cast<double>(k));
  }
  const double* Upto(size_t k) {
    for (size_t j = table_.size(); j <= k; ++j) table_.push_back(std::log2(static_cast<double>(j)));
    return table_.data();
  }

 private:
  std::vector<double> table_;
};

struct CompressionStatistic {
  double x_bar = 0;
  double sigma_hat = 0;
};

// Block i (0-based) of 6 bits, most significant first.
unsigned Block(std::span<const uint8_t> bits, size_t i) {
  unsigned block = 0;
  for (size_t j = 0; j < kBlockBits; ++j) block = (block << 1) | (bits[i * kBlockBits + j] & 1u);
  return block;
}

// Maurer's statistic: the dictionary holds each value's last position (1-based,
// 0 = not seen) in the first d blocks; each later block adds log2 of its
// distance to its previous occurrence (to the start when it has none).
CompressionStatistic MaurerStatistic(std::span<const uint8_t> bits, size_t blocks,
                                     const Log2Table& lg) {
  size_t last[kAlphabet] = {};
  for (size_t i = 0; i < kDictionaryBlocks; ++i) last[Block(bits, i)] = i + 1;
  KahanSum sum, sum_sq;
  for (size_t i = kDictionaryBlocks; i < blocks; ++i) {
    size_t& seen = last[Block(bits, i)];
    const double x = lg[i + 1 - seen];
    sum.Add(x);
    sum_sq.Add(x * x);
    seen = i + 1;
  }
  const double v = static_cast<double>(blocks - kDictionaryBlocks);
  CompressionStatistic s;
  s.x_bar = sum.sum / v;
  // The reference's spread: sum of squares over v - 1, less the squared mean,
  // times 90B's correction c = 0.5907 for 6-bit blocks.
  s.sigma_hat = 0.5907 * std::sqrt(std::max(0.0, sum_sq.sum / (v - 1) - s.x_bar * s.x_bar));
  return s;
}

// How far G sums: past b_u = (1-z)^(u-1) < 2^-64 (1-z) z^2 (N-d)/N, the rest
// of both its sums is below 2^-58 of its result. The reference sums until a
// term underflows a double; its terms shrink geometrically, so stopping here
// changes the result far below 1e-6 and saves most of the work.
size_t LastTerm(double z, size_t n) {
  const double r = 1 - z;
  const size_t d = kDictionaryBlocks;
  if (r <= 0) return d;  // z = 1: every term past a_1 is 0
  if (r >= 1) return n;  // z below 2^-53: no decay at all
  const double bound = 0x1p-64 * r * z * z * static_cast<double>(n - d) / static_cast<double>(n);
  const double u = 2 + std::log(bound) / std::log(r);
  return u < static_cast<double>(n) ? std::max(d, static_cast<size_t>(u)) : n;
}

struct TailSums {
  double plain = 0;   // sum_{u=d+1..end} a_u
  double nested = 0;  // sum_{u=d+1..end} (N-u) a_u
};

// G's sums past the dictionary, from b = (1-z)^d. With z near 0 (p near 1)
// they run over every block, so they are plain sums in four interleaved lanes
// (which the compiler vectorises) rather than compensated ones: positive
// terms, a relative error of at most 1e-10 (0.33e6 additions per lane) and
// in practice about 1e-15.
TailSums SumTail(const double* log2u, double b, double r, size_t end, size_t n) {
  constexpr size_t kLanes = 4;
  double plain[kLanes] = {}, nested[kLanes] = {}, lane_b[kLanes], weight[kLanes];
  size_t u = kDictionaryBlocks + 1;
  for (size_t k = 0; k < kLanes; ++k, b *= r) {
    lane_b[k] = b;
    weight[k] = static_cast<double>(n) - static_cast<double>(u + k);
  }
  const double step = r * r * r * r;
  for (; u + kLanes - 1 <= end; u += kLanes) {
    for (size_t k = 0; k < kLanes; ++k) {
      const double a = log2u[u + k] * lane_b[k];
      plain[k] += a;
      nested[k] += weight[k] * a;
      lane_b[k] *= step;
      weight[k] -= kLanes;
    }
  }
  TailSums s;
  for (size_t k = 0; u + k <= end; ++k) {
    const double a = log2u[u + k] * lane_b[k];
    s.plain += a;
    s.nested += weight[k] * a;
  }
  for (size_t k = 0; k < kLanes; ++k) {
    s.plain += plain[k];
    s.nested += nested[k];
  }
  return s;
}

// 90B's G(z) for N = `blocks` blocks after a dictionary of d: with
// a_u = log2(u) (1-z)^(u-1) and v = N - d,
//   G(z) = z/v * (z * sum_{t=d+1..N} sum_{u<t} a_u + sum_{u=d+1..N} a_u).
double G(double z, size_t blocks, Log2Table* lg) {
  if (z <= 0) return 0;
  const size_t n = blocks, d = kDictionaryBlocks;
  const double r = 1 - z;
  const size_t end = LastTerm(z, n);
  const double* log2u = lg->Upto(end);
  KahanSum head;  // sum_{u=2..d} a_u: each counts for every t
  double b = r;
  for (size_t u = 2; u <= d; ++u, b *= r) head.Add(log2u[u] * b);
  const TailSums tail = SumTail(log2u, b, r, end, n);
  const double nested = tail.nested + static_cast<double>(n - d) * head.sum;
  return z / static_cast<double>(n - d) * (z * nested + tail.plain);
}

// The expected statistic when one block value has probability p and the other
// 63 share the rest.
double ExpectedStatistic(double p, size_t blocks, Log2Table* lg) {
  const double q = (1 - p) / static_cast<double>(kAlphabet - 1);
  return G(p, blocks, lg) + static_cast<double>(kAlphabet - 1) * G(q, blocks, lg);
}

// The reference's test for reaching its target: equal, within DBL_EPSILON
// relatively or 4 units in the last place, or within DBL_MIN where a relative
// comparison means nothing (a value near 0).
bool NearlyEqual(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return false;
  if (a == b) return true;
  if (std::isinf(a) || std::isinf(b)) return false;
  if (std::fabs(a) > std::fabs(b)) std::swap(a, b);
  const double diff = std::fabs(b - a);
  const double small = std::fabs(a), large = std::fabs(b);
  if (small < DBL_MIN || diff < DBL_MIN || std::isinf(diff) || large * DBL_EPSILON < DBL_MIN) {
    return diff <= DBL_MIN;
  }
  if (diff <= large * DBL_EPSILON) return true;
  if (std::signbit(a) != std::signbit(b)) return false;
  return std::bit_cast<uint64_t>(large) - std::bit_cast<uint64_t>(small) <= 4;
}

// x in the closed (open) interval between a and b, in either order.
bool InClosed(double x, double a, double b) {
  return a > b ? x >= b && x <= a : x >= a && x <= b;
}
bool InOpen(double x, double a, double b) { return a > b ? x > b && x < a : x > a && x < b; }

// The reference's bisection for the p in [1/64, 1] whose expected statistic,
// decreasing in p, equals `target`. Returns 1/64 (the domain's low end, "full
// entropy") or less when there is none; its iteration cap is ITERMAX = 1076.
template <typename F>
double SearchP(double target, F expected) {
  const double low = 1.0 / static_cast<double>(kAlphabet), high = 1.0;
  if (!(expected(low) > target)) return -1;
  double lbound = low, hbound = high;
  double lvalue = INFINITY, hvalue = -INFINITY;
  double p = (lbound + hbound) / 2;
  double value = expected(p);
  for (int j = 0; j < 1076; ++j) {
    if (NearlyEqual(value, target)) break;
    if (target < value) {
      lbound = p;
      lvalue = value;
    } else {
      hbound = p;
      hvalue = value;
    }
    if (lbound >= hbound) return std::min(std::max(lbound, hbound), high);
    if (!InClosed(lbound, low, high) || !InClosed(hbound, low, high)) return low;
    if (!InClosed(target, lvalue, hvalue)) return low;
    const double last = p;
    p = (lbound + hbound) / 2;
    if (!InOpen(p, lbound, hbound) || p == last) return hbound;
    value = expected(p);
    if (!InClosed(value, lvalue, hvalue)) return hbound;  // not monotonic here
  }
  return p;
}

}  // namespace

CollisionEstimate EstimateCollision(std::span<const uint8_t> bits) {
  const CollisionTimes c = CountCollisions(bits);
  CollisionEstimate r;
  if (c.v < 2) return r;
  r.computed = true;
  r.v = c.v;
  r.sum_t = c.sum_t;
  const double v = static_cast<double>(c.v), sum_t = static_cast<double>(c.sum_t);
  r.x_bar = sum_t / v;
  const double spread = (static_cast<double>(c.sum_t2) - sum_t * r.x_bar) / (v - 1);
  r.sigma_hat = std::sqrt(std::max(0.0, spread));
  // 2 is the least meaningful mean (every pair a collision).
  r.x_bar_prime = std::max(2.0, r.x_bar - kZAlpha * r.sigma_hat / std::sqrt(v));
  // The root above 1/2; above 2.5 the roots are complex and 90B says p = 1/2.
  r.found_p = r.x_bar_prime < 2.5;
  r.p = r.found_p ? 0.5 + std::sqrt(1.25 - 0.5 * r.x_bar_prime) : 0.5;
  r.min_entropy = r.found_p ? 0 - std::log2(r.p) : 1.0;  // 0 - x: +0, not -0, when p = 1
  return r;
}

MarkovEstimate EstimateMarkov(std::span<const uint8_t> bits) {
  const size_t n = bits.size();
  MarkovEstimate r;
  if (n < 2) return r;
  r.computed = true;
  size_t c0 = 0, c00 = 0, c10 = 0;  // over the first n - 1 bits and their successors
  // In blocks with 32-bit counters, which the compiler vectorizes.
  constexpr size_t kBlock = size_t{1} << 20;
  for (size_t begin = 0; begin + 1 < n; begin += kBlock) {
    const size_t end = std::min(n - 1, begin + kBlock);
    uint32_t b0 = 0, b00 = 0, b10 = 0;
    for (size_t i = begin; i < end; ++i) {
      const uint32_t zero = bits[i] == 0, next_zero = bits[i + 1] == 0;
      b0 += zero;
      b00 += zero & next_zero;
      b10 += (1 - zero) & next_zero;
    }
    c0 += b0;
    c00 += b00;
    c10 += b10;
  }
  const size_t c1 = n - 1 - c0;
  if (c0 > 0) r.p00 = static_cast<double>(c00) / static_cast<double>(c0);
  if (c0 > 0) r.p01 = 1 - r.p00;
  if (c1 > 0) r.p10 = static_cast<double>(c10) / static_cast<double>(c1);
  if (c1 > 0) r.p11 = 1 - r.p10;
  r.p0 = static_cast<double>(c0 + (bits[n - 1] == 0)) / static_cast<double>(n);
  r.p1 = 1 - r.p0;
  // -log2 of the probability of each candidate for the most likely 128 bits
  // (90B's list), among those the chain can produce at all.
  double h = 128;
  auto consider = [&h](bool possible, double entropy) {
    if (possible) h = std::min(h, entropy);
  };
  using std::log2;
  // (0 - x rather than -x: +0, not -0, for a certain sequence.)
  const double h0 = 0 - log2(r.p0), h1 = 0 - log2(r.p1);
  consider(r.p00 > 0, h0 - 127 * log2(r.p00));                                // 00...0
  consider(r.p01 > 0 && r.p10 > 0, h0 - 64 * log2(r.p01) - 63 * log2(r.p10));  // 0101...01
  consider(r.p01 > 0 && r.p11 > 0, h0 - log2(r.p01) - 126 * log2(r.p11));      // 011...1
  consider(r.p10 > 0 && r.p00 > 0, h1 - log2(r.p10) - 126 * log2(r.p00));      // 100...0
  consider(r.p10 > 0 && r.p01 > 0, h1 - 64 * log2(r.p10) - 63 * log2(r.p01));  // 1010...10
  consider(r.p11 > 0, h1 - 127 * log2(r.p11));                                // 11...1
  r.p_max = std::pow(2.0, -h);
  r.min_entropy = std::min(h / 128, 1.0);
  return r;
}

CompressionEstimate EstimateCompression(std::span<const uint8_t> bits) {
  const size_t blocks = bits.size() / kBlockBits;
  CompressionEstimate r;
  if (blocks < kDictionaryBlocks + 2) return r;  // the spread needs two distances
  r.computed = true;
  r.blocks = blocks;
  Log2Table lg;
  lg.Upto(4096);  // distances are short in all but degenerate data
  const CompressionStatistic s = MaurerStatistic(bits, blocks, lg);
  r.x_bar = s.x_bar;
  r.sigma_hat = s.sigma_hat;
  const double v = static_cast<double>(blocks - kDictionaryBlocks);
  r.x_bar_prime = s.x_bar - kZAlpha * s.sigma_hat / std::sqrt(v);
  auto expected = [&](double x) { return ExpectedStatistic(x, blocks, &lg); };
  const double p = SearchP(r.x_bar_prime, expected);
  r.found_p = p > 1.0 / static_cast<double>(kAlphabet);
  r.p = r.found_p ? p : 1.0 / static_cast<double>(kAlphabet);
  r.min_entropy = r.found_p ? (0 - std::log2(r.p)) / kBlockBits : 1.0;  // +0 when p = 1
  return r;
}

}  // namespace egdstat
