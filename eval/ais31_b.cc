// AIS 31 procedure B tests T6-T8 (see ais31.h).
#include "eval/ais31.h"

#include <bit>
#include <cassert>
#include <cmath>
#include <cstdlib>

namespace egdstat::ais31 {
namespace {

std::string Binary(size_t value, unsigned digits) {
  std::string s;
  for (unsigned i = digits; i-- > 0;) s += ((value >> i) & 1) ? '1' : '0';
  return s;
}

std::string ClassShortfall(const Collection& c, size_t prefix) {
  return "class " + Binary(prefix, c.prefix_bits) + " got " + std::to_string(c.ClassSize(prefix)) + " of " +
         std::to_string(c.per_class) + " tuples in " + std::to_string(c.tuples) + " read" +
         (c.data_ended ? " (data ended)" : " (the source hardly produces this prefix)");
}

TestResult Starved(std::string name, const Collection& c, size_t prefix) {
  return MakeTest(std::move(name),
                  {MakeStatistic("tuples in class " + Binary(prefix, c.prefix_bits), double(c.ClassSize(prefix)),
                                 Interval{double(c.per_class), kInf, true}, false)},
                  ClassShortfall(c, prefix));
}

}  // namespace

TestResult T6aUniform(BitCursor& cursor) {
  assert(cursor.remaining() >= kT6aBits);
  uint64_t ones = 0;
  for (size_t done = 0; done < kT6aBits; done += 50) {
    uint64_t v = 0;
    cursor.Take(50, &v);
    ones += static_cast<uint64_t>(std::popcount(v));
  }
  // |ones / n - 1/2| < 0.025  <=>  |2 ones - n| * 1000 < 2 * 25 * n, in integers.
  const int64_t n = kT6aBits;
  const bool pass = std::llabs(2 * static_cast<int64_t>(ones) - n) * 1000 < 2 * 25 * n;
  return MakeTest("T6a uniform distribution",
                  {MakeStatistic("nu(1)", double(ones) / double(n), Interval{0.475, 0.525, false}, pass)},
                  std::to_string(ones) + " ones in 100000 bits");
}

Collection Collect(BitCursor& cursor, unsigned prefix_bits, uint32_t per_class, size_t max_tuples) {
  Collection c;
  c.prefix_bits = prefix_bits;
  c.per_class = per_class;
  c.counts.assign(size_t{1} << prefix_bits, {0, 0});
  size_t full = 0;
  uint64_t tuple = 0;
  while (full < c.counts.size() && c.tuples < max_tuples) {
    if (!cursor.Take(prefix_bits + 1, &tuple)) {
      c.data_ended = true;
      break;
    }
    ++c.tuples;
    const size_t prefix = tuple >> 1;
    if (c.ClassSize(prefix) == per_class) continue;
    ++c.counts[prefix][tuple & 1];
    full += c.ClassSize(prefix) == per_class;
  }
  c.complete = full == c.counts.size();
  return c;
}

size_t DefaultMaxTuples(unsigned prefix_bits, uint32_t per_class) {
  return (size_t{per_class} << prefix_bits) * 2;
}

TestResult T6bTransitions(const Collection& pairs) {
  assert(pairs.prefix_bits == 1);
  for (size_t prefix = 0; prefix < 2; ++prefix) {
    if (pairs.ClassSize(prefix) < pairs.per_class) return Starved("T6b transitions", pairs, prefix);
  }
  // nu(0,1) = P(1 after 0), nu(1,0) = P(0 after 1); their sum - 1 must be
  // within +-0.02: |c01 + c10 - n| * 1000 < 20 n, in integers.
  const int64_t n = pairs.per_class;
  const int64_t sum = static_cast<int64_t>(pairs.counts[0][1] + pairs.counts[1][0]);
  const bool pass = std::llabs(sum - n) * 1000 < 20 * n;
  return MakeTest("T6b transitions",
                  {MakeStatistic("nu(0,1) + nu(1,0) - 1", double(sum - n) / double(n), Interval{-0.02, 0.02, false},
                                 pass)},
                  "pairs 01: " + std::to_string(pairs.counts[0][1]) + ", 10: " + std::to_string(pairs.counts[1][0]) +
                      " of 100000 each; " + std::to_string(pairs.tuples) + " pairs read");
}

double HomogeneityChi2(const std::array<uint64_t, 2>& a, const std::array<uint64_t, 2>& b) {
  double t = 0;
  for (int v = 0; v < 2; ++v) {
    const double total = double(a[v]) + double(b[v]);
    if (total > 0) t += (double(a[v]) - double(b[v])) * (double(a[v]) - double(b[v])) / total;
  }
  return t;
}

std::vector<TestResult> T7Homogeneity(const Collection& tuples) {
  assert(tuples.prefix_bits == 2 || tuples.prefix_bits == 3);
  const std::string label = tuples.prefix_bits == 2 ? "T7a" : "T7b";
  const size_t half = size_t{1} << (tuples.prefix_bits - 1);
  std::vector<TestResult> results;
  for (size_t w = 0; w < half; ++w) {
    const size_t v = w + half;  // w with its first bit set
    const std::string name =
        label + " homogeneity " + Binary(w, tuples.prefix_bits) + " vs " + Binary(v, tuples.prefix_bits);
    if (tuples.ClassSize(w) < tuples.per_class) {
      results.push_back(Starved(name, tuples, w));
    } else if (tuples.ClassSize(v) < tuples.per_class) {
      results.push_back(Starved(name, tuples, v));
    } else {
      const double t = HomogeneityChi2(tuples.counts[w], tuples.counts[v]);
      results.push_back(MakeTest(name, {MakeStatistic("chi2", t, Interval{-kInf, 15.13, true}, t <= 15.13)},
                                 "next bit 1: " + std::to_string(tuples.counts[w][1]) + " vs " +
                                     std::to_string(tuples.counts[v][1]) + " of 100000"));
    }
  }
  return results;
}

double CoronEntropy(BitView bits, unsigned L, size_t Q, size_t K) {
  assert(L >= 1 && L <= 16 && bits.size() >= (Q + K) * L);
  // g(i) = (1 / ln 2) * sum_{k=1}^{i-1} 1/k, for distances i = 1..Q+K.
  std::vector<double> g(Q + K + 1, 0.0);
  for (size_t i = 2; i <= Q + K; ++i) g[i] = g[i - 1] + 1.0 / double(i - 1);
  // last[w] = index (1-based) of w's latest occurrence, 0 = none yet; a word
  // never seen before has distance A_n = n (Coron 1999, after Maurer).
  std::vector<size_t> last(size_t{1} << L, 0);
  for (size_t n = 1; n <= Q; ++n) last[bits.Bits((n - 1) * L, L)] = n;
  double sum = 0;
  for (size_t n = Q + 1; n <= Q + K; ++n) {
    const uint64_t w = bits.Bits((n - 1) * L, L);
    sum += g[n - last[w]];
    last[w] = n;
  }
  return sum / double(K) / std::log(2.0);
}

TestResult T8Entropy(BitCursor& cursor) {
  const BitView bits = cursor.TakeView((kT8Q + kT8K) * kT8L);
  const double f = CoronEntropy(bits, kT8L, kT8Q, kT8K);
  return MakeTest("T8 entropy", {MakeStatistic("f_C", f, Interval{7.976, kInf, false}, f > 7.976)},
                  "L=8, Q=2560, K=256000");
}

}  // namespace egdstat::ais31
