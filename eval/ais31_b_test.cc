// Known-answer tests for AIS 31 T6-T8 (procedure B) and their data collection.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "eval/ais31.h"
#include "eval/test_util.h"

namespace egdstat {
namespace {

using testing::Pack;
using testing::RandomBytes;

std::vector<uint8_t> BitsWithOnes(size_t n, size_t ones) {
  std::vector<int> bits(n, 0);
  for (size_t k = 0; k < ones; ++k) bits[k * n / ones] = 1;
  return Pack(bits);
}

TestResult T6aOn(const std::vector<uint8_t>& bytes) {
  BitCursor cursor{BitView(bytes)};
  TestResult t = ais31::T6aUniform(cursor);
  REQUIRE(cursor.pos() == ais31::kT6aBits);
  return t;
}

ais31::Collection PairsWithSum(int64_t sum_minus_n) {
  ais31::Collection c;
  c.prefix_bits = 1;
  c.per_class = 100000;
  const uint64_t x = static_cast<uint64_t>(50000 + sum_minus_n / 2);
  const uint64_t y = static_cast<uint64_t>(50000 + sum_minus_n - sum_minus_n / 2);
  c.counts = {{100000 - x, x}, {y, 100000 - y}};  // c01 = x, c10 = y
  c.complete = true;
  return c;
}

// b[n] = b[n-lag] with probability 0.6: each bit depends on the one `lag`
// back and on no nearer one.
std::vector<uint8_t> LagStream(size_t bytes, size_t lag) {
  std::mt19937_64 gen(31);
  std::bernoulli_distribution keep(0.6), coin(0.5);
  std::vector<int> bits(bytes * 8);
  for (size_t n = 0; n < bits.size(); ++n) bits[n] = n < lag ? coin(gen) : keep(gen) ? bits[n - lag] : 1 - bits[n - lag];
  return Pack(bits);
}

// T6b on pairs, then T7a on triples and T7b on quadruples, from one cursor.
struct BSteps {
  TestResult t6b;
  std::vector<TestResult> t7a, t7b;
};
BSteps RunSteps(const std::vector<uint8_t>& data) {
  BitCursor cursor{BitView(data)};
  const auto pairs = ais31::Collect(cursor, 1, 100000, ais31::DefaultMaxTuples(1, 100000));
  const auto triples = ais31::Collect(cursor, 2, 100000, ais31::DefaultMaxTuples(2, 100000));
  const auto quads = ais31::Collect(cursor, 3, 100000, ais31::DefaultMaxTuples(3, 100000));
  REQUIRE((pairs.complete && triples.complete && quads.complete));
  return {ais31::T6bTransitions(pairs), ais31::T7Homogeneity(triples), ais31::T7Homogeneity(quads)};
}

}  // namespace

TEST_CASE("AIS T6a passes only for |ones/100000 - 1/2| < 0.025") {
  CHECK_FALSE(T6aOn(BitsWithOnes(100000, 47500)).pass);
  CHECK(T6aOn(BitsWithOnes(100000, 47501)).pass);
  CHECK(T6aOn(BitsWithOnes(100000, 52499)).pass);
  CHECK_FALSE(T6aOn(BitsWithOnes(100000, 52500)).pass);
}

TEST_CASE("AIS T6b passes only for |nu(0,1) + nu(1,0) - 1| < 0.02") {
  CHECK(ais31::T6bTransitions(PairsWithSum(0)).pass);
  CHECK(ais31::T6bTransitions(PairsWithSum(1999)).pass);
  CHECK_FALSE(ais31::T6bTransitions(PairsWithSum(2000)).pass);
  CHECK(ais31::T6bTransitions(PairsWithSum(-1999)).pass);
  CHECK_FALSE(ais31::T6bTransitions(PairsWithSum(-2000)).pass);
  CHECK(ais31::T6bTransitions(PairsWithSum(2000)).stats[0].value == Approx(0.02));
}

TEST_CASE("AIS T7 statistic is the chi-square homogeneity test of two samples") {
  // General formula: sum_i sum_t (n_it - E_it)^2 / E_it, E_it = n_i (n_1t + n_2t) / (n_1 + n_2).
  const std::array<uint64_t, 2> a = {50731, 49269}, b = {49544, 50456};
  double general = 0;
  for (const auto* s : {&a, &b}) {
    for (int t = 0; t < 2; ++t) {
      const double e = 100000.0 * double(a[t] + b[t]) / 200000.0;
      general += ((*s)[t] - e) * ((*s)[t] - e) / e;
    }
  }
  CHECK(ais31::HomogeneityChi2(a, b) == Approx(general));
  CHECK(ais31::HomogeneityChi2(a, a) == 0);
}

TEST_CASE("AIS T7a rejects chi2 > 15.13: d = 434 passes, d = 435 fails") {
  // Classes 00 and 10 differ by d in each cell: chi2 = 8 d^2 / 100000.
  for (uint64_t d : {434u, 435u}) {
    ais31::Collection c;
    c.prefix_bits = 2;
    c.per_class = 100000;
    c.counts = {{50000 + d, 50000 - d}, {50000, 50000}, {50000 - d, 50000 + d}, {50000, 50000}};
    const std::vector<TestResult> t = ais31::T7Homogeneity(c);
    REQUIRE(t.size() == 2);
    CHECK(t[0].name == "T7a homogeneity 00 vs 10");
    CHECK(t[0].stats[0].value == Approx(8.0 * d * d / 100000));
    CHECK(t[0].pass == (d == 434));
    CHECK(t[1].name == "T7a homogeneity 01 vs 11");
    CHECK(t[1].pass);
  }
}

TEST_CASE("AIS T6b catches a lag-1 dependency") {
  // P(1 after 0) = P(0 after 1) = 0.4: nu(0,1) + nu(1,0) - 1 = -0.2.
  const std::vector<uint8_t> data = LagStream(200000, 1);
  BitCursor cursor{BitView(data)};
  const TestResult t = ais31::T6bTransitions(ais31::Collect(cursor, 1, 100000, 400000));
  CHECK_FALSE(t.pass);
  CHECK(t.stats[0].value == Approx(-0.2).margin(0.01));
}

TEST_CASE("AIS T7a catches a lag-2 dependency, T7b a lag-3 one; T6b neither") {
  // Triples (x1 x2 x3): x3 depends on x1, so class 0x vs 1x differ (T7a).
  const BSteps lag2 = RunSteps(LagStream(1200000, 2));
  CHECK(lag2.t6b.pass);
  for (const TestResult& t : lag2.t7a) CHECK_FALSE(t.pass);
  // Quadruples (x1 x2 x3 x4): x4 depends on x2, which both compared classes share.
  for (const TestResult& t : lag2.t7b) CHECK(t.pass);

  const BSteps lag3 = RunSteps(LagStream(1200000, 3));
  CHECK(lag3.t6b.pass);
  for (const TestResult& t : lag3.t7a) CHECK(t.pass);
  for (const TestResult& t : lag3.t7b) CHECK_FALSE(t.pass);
}

TEST_CASE("AIS collection: good data fills every class; a missing prefix stops at the cap") {
  const std::vector<uint8_t> good = RandomBytes(500000, 41);
  BitCursor cursor{BitView(good)};
  const auto quads = ais31::Collect(cursor, 3, 100000, ais31::DefaultMaxTuples(3, 100000));
  CHECK(quads.complete);
  for (size_t w = 0; w < 8; ++w) CHECK(quads.ClassSize(w) == 100000);
  CHECK(cursor.pos() == quads.tuples * 4);

  const std::vector<uint8_t> alternating(100000, 0x55);  // pairs are always 01
  BitCursor alt{BitView(alternating)};
  const auto pairs = ais31::Collect(alt, 1, 100000, ais31::DefaultMaxTuples(1, 100000));
  CHECK_FALSE(pairs.complete);
  CHECK_FALSE(pairs.data_ended);
  CHECK(pairs.tuples == 400000);
  const TestResult t6b = ais31::T6bTransitions(pairs);
  CHECK_FALSE(t6b.pass);
  CHECK(t6b.note.find("class 1 got 0 of 100000") != std::string::npos);
}

TEST_CASE("AIS T8 (Coron) known answers") {
  const size_t bytes = ais31::kT8Q + ais31::kT8K;
  // Constant words: every distance is 1 and g(1) = 0.
  CHECK(ais31::CoronEntropy(BitView(std::vector<uint8_t>(bytes, 0x3C)), 8, 2560, 256000) == 0);
  // Counting 0, 1, ..., 255, 0, ...: every distance is 256, f = g(256) = H(255) / ln 2.
  std::vector<uint8_t> counting(bytes);
  for (size_t i = 0; i < bytes; ++i) counting[i] = static_cast<uint8_t>(i);
  double h255 = 0;
  for (int k = 1; k <= 255; ++k) h255 += 1.0 / k;
  CHECK(ais31::CoronEntropy(BitView(counting), 8, 2560, 256000) == Approx(h255 / std::log(2.0)));
  // An ideal source has expectation L = 8.
  const std::vector<uint8_t> good = RandomBytes(bytes, 43);
  BitCursor cursor{BitView(good)};
  const TestResult t8 = ais31::T8Entropy(cursor);
  CHECK(t8.pass);
  CHECK(t8.stats[0].value == Approx(8.0).margin(0.01));
  const std::vector<uint8_t> zeros(bytes, 0);
  BitCursor constant{BitView(zeros)};
  CHECK_FALSE(ais31::T8Entropy(constant).pass);
  // p(1) = 0.55: 8 * H(0.55) = 7.94 bits per byte, below 7.976.
  const std::vector<uint8_t> biased = testing::BiasedBytes(bytes, 0.55, 44);
  BitCursor b{BitView(biased)};
  const TestResult t8b = ais31::T8Entropy(b);
  CHECK_FALSE(t8b.pass);
  CHECK(t8b.stats[0].value == Approx(7.94).margin(0.01));
}

}  // namespace egdstat
