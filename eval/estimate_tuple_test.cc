// SPDX-License-Identifier: Apache-2.0
#include "eval/estimate_tuple.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>
#include <vector>

#include "eval/entropy_samples.h"
#include "eval/nist_refdata.h"

using egdstat::AnalyzeRepeats;
using egdstat::EntropySamples;
using egdstat::EstimateLrs;
using egdstat::EstimateTTuple;
using egdstat::RepeatProfile;
using egdstat::testing::LoadNistPrepared;
using egdstat::testing::LoadNistResult;
using egdstat::testing::NistDataNames;

namespace {

constexpr double kTolerance = egdstat::testing::kNistTolerance;

// The profile by definition: every t-tuple counted in a map.
RepeatProfile BruteForceProfile(const std::vector<uint8_t>& s) {
  RepeatProfile r;
  r.samples = s.size();
  r.max_count = {1};
  r.pair_count = {0};
  for (size_t t = 1; t < s.size(); ++t) {
    std::map<std::vector<uint8_t>, uint64_t> counts;
    for (size_t i = 0; i + t <= s.size(); ++i) ++counts[{s.begin() + i, s.begin() + i + t}];
    uint64_t most = 0, pairs = 0;
    for (const auto& [tuple, c] : counts) {
      most = std::max(most, c);
      pairs += c * (c - 1) / 2;
    }
    if (most < 2) break;
    r.longest = t;
    r.max_count.push_back(static_cast<uint32_t>(most));
    r.pair_count.push_back(pairs);
  }
  return r;
}

std::vector<uint8_t> RandomSamples(size_t n, int alphabet, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> symbol(0, alphabet - 1);
  std::vector<uint8_t> s(n);
  for (uint8_t& x : s) x = static_cast<uint8_t>(symbol(gen));
  return s;
}

void CheckProfile(const std::vector<uint8_t>& s, int alphabet) {
  RepeatProfile want = BruteForceProfile(s);
  RepeatProfile got = AnalyzeRepeats(s, alphabet);
  CHECK(got.samples == want.samples);
  CHECK(got.longest == want.longest);
  CHECK(got.max_count == want.max_count);
  CHECK(got.pair_count == want.pair_count);
}

}  // namespace

TEST_CASE("tuple: repeat counts agree with counting every tuple", "[tuple]") {
  for (int alphabet : {2, 3, 4, 5, 16, 17, 256}) {
    for (size_t n : {2, 3, 10, 100, 300}) {
      INFO("alphabet " << alphabet << ", " << n << " samples");
      CheckProfile(RandomSamples(n, alphabet, static_cast<unsigned>(n * 1000 + alphabet)), alphabet);
    }
  }
  // Runs and periods make long repeats and groups that tie past one window.
  std::vector<uint8_t> runs;
  for (int i = 0; i < 400; ++i) runs.push_back(static_cast<uint8_t>((i / 7) % 3 == 0));
  CheckProfile(runs, 2);
  std::vector<uint8_t> periodic;
  for (int i = 0; i < 500; ++i) periodic.push_back(static_cast<uint8_t>(i % 5 == 0 ? 1 : 0));
  CheckProfile(periodic, 2);
  CheckProfile(std::vector<uint8_t>(300, 0), 2);
  CheckProfile(std::vector<uint8_t>(300, 7), 8);
}

TEST_CASE("tuple: a few repeats longer than a window are ordered in full", "[tuple]") {
  // Random data with one stretch copied elsewhere: a few suffixes share a
  // whole window (64 bits; 32 symbols of 2 bits) and must be compared past it.
  for (int alphabet : {2, 4}) {
    INFO("alphabet " << alphabet);
    std::vector<uint8_t> s = RandomSamples(2000, alphabet, 77);
    for (size_t to : {700, 1300, 1800}) std::copy(s.begin() + 100, s.begin() + 190, s.begin() + to);
    s[1300 + 80] = static_cast<uint8_t>((s[1300 + 80] + 1) % alphabet);  // one copy diverges
    CheckProfile(s, alphabet);
  }
}

TEST_CASE("tuple: long periods: the large groups of the suffix sort", "[tuple]") {
  constexpr size_t kN = 200000;  // far more suffixes tie than are sorted as copies
  RepeatProfile equal = AnalyzeRepeats(std::vector<uint8_t>(kN, 1), 2);
  REQUIRE(equal.longest == kN - 1);
  bool all = true;
  for (size_t t = 1; t < kN; ++t) {
    const uint64_t occurrences = kN - t + 1;
    all = all && equal.max_count[t] == occurrences &&
          equal.pair_count[t] == occurrences * (occurrences - 1) / 2;
  }
  CHECK(all);
  // Period 3: the t-tuple at position i is fixed by i mod 3.
  std::vector<uint8_t> periodic(kN);
  for (size_t i = 0; i < kN; ++i) periodic[i] = static_cast<uint8_t>(i % 3);
  RepeatProfile p = AnalyzeRepeats(periodic, 3);
  REQUIRE(p.longest == kN - 3);
  all = true;
  for (size_t t = 1; t <= kN - 3; ++t) {
    uint64_t most = 0, pairs = 0;
    for (size_t r = 0; r < 3; ++r) {
      const uint64_t c = (kN - t + 1 + 2 - r) / 3;  // positions i <= kN - t with i % 3 == r
      most = std::max(most, c);
      pairs += c * (c - 1) / 2;
    }
    all = all && p.max_count[t] == most && p.pair_count[t] == pairs;
  }
  CHECK(all);
}

TEST_CASE("tuple: a tie larger than the suffix sort copies is sorted in place", "[tuple]") {
  constexpr size_t kN = (size_t{1} << 20) + 1000;
  RepeatProfile p = AnalyzeRepeats(std::vector<uint8_t>(kN, 0), 2);
  REQUIRE(p.longest == kN - 1);
  bool all = true;
  for (size_t t = 1; t < kN; ++t) {
    const uint64_t occurrences = kN - t + 1;
    all = all && p.max_count[t] == occurrences &&
          p.pair_count[t] == occurrences * (occurrences - 1) / 2;
  }
  CHECK(all);
}

TEST_CASE("tuple: all-equal data has no entropy", "[tuple]") {
  const std::vector<uint8_t> s(1000, 0);
  RepeatProfile p = AnalyzeRepeats(s, 1);
  CHECK(p.longest == 999);
  CHECK(p.max_count[10] == 991);
  CHECK(p.pair_count[999] == 1);
  auto tuple = EstimateTTuple(p);
  REQUIRE(tuple.valid);
  CHECK(tuple.t == 966);  // the last length with 35 occurrences: 1000 - 966 + 1
  CHECK(tuple.p_hat_max == 1.0);
  CHECK(tuple.p_u == 1.0);
  CHECK(tuple.min_entropy == 0.0);
  auto lrs = EstimateLrs(p);
  REQUIRE(lrs.valid);
  CHECK(lrs.u == 967);
  CHECK(lrs.v == 999);
  CHECK(lrs.p_hat == 1.0);  // every pair of equal-length substrings is equal
  CHECK(lrs.min_entropy == 0.0);
}

TEST_CASE("tuple: no tuple occurs 35 times: t-tuple fails, LRS runs from u = 1", "[tuple]") {
  // 0..99 twice: each symbol twice, 1..100-tuples repeat once.
  std::vector<uint8_t> s;
  for (int r = 0; r < 2; ++r) {
    for (int i = 0; i < 100; ++i) s.push_back(static_cast<uint8_t>(i));
  }
  RepeatProfile p = AnalyzeRepeats(s, 100);
  CHECK(p.longest == 100);
  CHECK(p.max_count[1] == 2);
  CHECK_FALSE(EstimateTTuple(p).valid);
  auto lrs = EstimateLrs(p);
  REQUIRE(lrs.valid);
  CHECK(lrs.u == 1);
  CHECK(lrs.v == 100);
  // 101 - i repeated i-tuples, one pair each, among C(201 - i, 2) pairs.
  double p_hat = 0;
  for (int i = 1; i <= 100; ++i) {
    p_hat = std::max(p_hat, std::pow((101.0 - i) / ((201.0 - i) * (200.0 - i) / 2), 1.0 / i));
  }
  CHECK(lrs.p_hat == Approx(p_hat).margin(1e-12));
}

TEST_CASE("tuple: no repeated substring: neither estimate runs", "[tuple]") {
  const std::vector<uint8_t> s = {0, 1, 2, 3};
  RepeatProfile p = AnalyzeRepeats(s, 4);
  CHECK(p.longest == 0);
  CHECK_FALSE(EstimateTTuple(p).valid);
  CHECK_FALSE(EstimateLrs(p).valid);
  CHECK_FALSE(EstimateLrs(std::vector<uint8_t>{1}, 2).valid);
  CHECK_FALSE(EstimateLrs(std::vector<uint8_t>{}, 2).valid);
}

TEST_CASE("tuple: short binary input", "[tuple]") {
  // Period 10: 0 occurs 36 times, 1 four times, "00" 31 times.
  std::vector<uint8_t> s(40, 0);
  for (size_t i : {5, 15, 25, 35}) s[i] = 1;
  RepeatProfile p = AnalyzeRepeats(s, 2);
  CHECK(p.max_count[1] == 36);
  CHECK(p.max_count[2] == 31);
  auto tuple = EstimateTTuple(p);
  REQUIRE(tuple.valid);
  CHECK(tuple.t == 1);
  CHECK(tuple.p_hat_max == Approx(36.0 / 40.0).margin(1e-15));
  auto lrs = EstimateLrs(p);
  REQUIRE(lrs.valid);
  CHECK(lrs.u == 2);
  CHECK(lrs.v == 30);  // positions 0..29 and 10..39
}

TEST_CASE("tuple: NIST's sample files give NIST's results", "[tuple]") {
  for (const std::string& name : NistDataNames()) {
    INFO(name);
    auto ref = LoadNistResult(name);
    EntropySamples s = LoadNistPrepared(name, ref);
    struct Run {
      const char* label;
      const std::vector<uint8_t>* samples;
      int alphabet;
    };
    std::vector<Run> runs = {{"Literal", &s.literal, s.alphabet}};
    if (!s.binary()) runs.push_back({"Bitstring", &s.bitstring, 2});
    for (const Run& run : runs) {
      INFO(run.label);
      RepeatProfile profile = AnalyzeRepeats(*run.samples, run.alphabet);
      const std::string tuple_key = std::string(run.label) + " t-Tuple Estimate: ";
      auto tuple = EstimateTTuple(profile);
      REQUIRE(ref.Get(tuple_key + "min entropy"));
      REQUIRE(tuple.valid);
      CHECK(static_cast<double>(tuple.t) == *ref.Get(tuple_key + "t"));
      CHECK(tuple.p_hat_max == Approx(*ref.Get(tuple_key + "p-hat_max")).margin(kTolerance));
      CHECK(tuple.p_u == Approx(*ref.Get(tuple_key + "p_u")).margin(kTolerance));
      CHECK(tuple.min_entropy == Approx(*ref.Get(tuple_key + "min entropy")).margin(kTolerance));

      const std::string lrs_key = std::string(run.label) + " LRS Estimate: ";
      auto lrs = EstimateLrs(profile);
      REQUIRE(ref.Get(lrs_key + "min entropy"));
      REQUIRE(lrs.valid);
      CHECK(static_cast<double>(lrs.u) == *ref.Get(lrs_key + "u"));
      CHECK(static_cast<double>(lrs.v) == *ref.Get(lrs_key + "v"));
      CHECK(lrs.p_hat == Approx(*ref.Get(lrs_key + "p-hat")).margin(kTolerance));
      CHECK(lrs.p_u == Approx(*ref.Get(lrs_key + "p_u")).margin(kTolerance));
      CHECK(lrs.min_entropy == Approx(*ref.Get(lrs_key + "min entropy")).margin(kTolerance));
    }
  }
}
