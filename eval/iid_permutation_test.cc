// SPDX-License-Identifier: Apache-2.0
// The permutation driver's early stop and the IID verdicts (iid_permutation.h,
// iid_assessment.h) on seeded random data and on data built to be dependent;
// the permutation tests skipped after a chi-square or LRS rejection, as the
// assessment and its report (iid_report.h) show it.
#include "eval/iid_permutation.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "eval/entropy_samples.h"
#include "eval/iid_assessment.h"
#include "eval/iid_report.h"
#include "eval/test_util.h"
#include "eval/xoshiro.h"

namespace egdstat {
namespace {

using Bytes = std::vector<uint8_t>;

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// By default every test runs, as in the reference (--all-tests), so that the
// permutation counts can be checked even where chi-square or LRS rejects.
IidAssessment Assess(const Bytes& raw, int bits, size_t shuffles, uint64_t seed = kDefaultIidSeed,
                     bool all_tests = true) {
  EntropySamples s;
  REQUIRE(PrepareSamples(raw, bits, &s).empty());
  IidOptions options;
  options.permutation = {seed, shuffles};
  options.all_tests = all_tests;
  return AssessIid(raw, s, options);
}

// Steps of +-1 from 128, reflected at 0 and 255: neighbours are close.
Bytes SlowRandomWalk(size_t n) {
  std::mt19937_64 gen(31);
  Bytes walk(n);
  int x = 128;
  for (uint8_t& v : walk) {
    x += (gen() & 1) ? 1 : -1;
    x = std::clamp(x, 0, 255);
    v = static_cast<uint8_t>(x);
  }
  return walk;
}

TEST_CASE("xoshiro256** draws uniformly from [0, s]") {
  Xoshiro256 rng(1);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i) ++counts[rng.UpTo(2)];
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);  // about 7 standard deviations
  Xoshiro256 a(42), b(42), c(43);
  const uint64_t first = a.Next();
  CHECK(first == b.Next());
  CHECK(first != c.Next());
}

TEST_CASE("Fisher-Yates shuffle keeps the multiset and depends on the seed") {
  Bytes data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  Bytes x = data, y = data;
  Xoshiro256 r1(7), r2(8);
  ShuffleSamples(x, r1);
  ShuffleSamples(y, r2);
  CHECK(x != data);
  CHECK(x != y);
  std::sort(x.begin(), x.end());
  std::sort(data.begin(), data.end());
  CHECK(x == data);
}

TEST_CASE("Permutation tests stop counting a statistic once it is decided") {
  const Bytes raw = testing::RandomBytes(20000, 11);
  EntropySamples s;
  REQUIRE(PrepareSamples(raw, 8, &s).empty());
  const PermutationResult r = RunPermutationTests(s.literal, MakeIidContext(raw, s.literal, s.alphabet));
  REQUIRE(r.passed);
  CHECK(r.shuffles < kIidShuffles);  // stopped early
  uint32_t longest = 0;
  for (const PermutationCount& c : r.counts) {
    CHECK(c.Decided());
    // Counting stops at the shuffle that decides: the sum that crossed 5 last
    // stands at exactly 6 (C1 moves both sums at once, so both may be 6).
    CHECK(std::min(c.c0 + c.c1, c.c1 + c.c2) == kIidCountThreshold + 1);
    longest = std::max(longest, c.c0 + c.c1 + c.c2);
  }
  CHECK(longest == r.shuffles);  // the last statistic decided ended the shuffling
}

TEST_CASE("Permutation tests report each shuffle against the most they may make") {
  Bytes walk = SlowRandomWalk(2000);
  EntropySamples s;
  REQUIRE(PrepareSamples(walk, 8, &s).empty());
  std::vector<size_t> seen;
  IidOptions options;
  options.permutation = {kDefaultIidSeed, 50};
  options.all_tests = true;  // chi-square rejects the walk at once
  auto a = AssessIid(walk, s, options, [&](size_t done, size_t total) {
    CHECK(total == 50);
    seen.push_back(done);
  });
  REQUIRE(a.permutation);
  REQUIRE(seen.size() == a.permutation->shuffles);
  for (size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == i + 1);
}

TEST_CASE("Permutation tests are reproducible from the seed") {
  const Bytes raw = testing::RandomBytes(5000, 12);
  const IidAssessment a = Assess(raw, 8, 200, 1), b = Assess(raw, 8, 200, 1), c = Assess(raw, 8, 200, 2);
  REQUIRE((a.permutation && b.permutation && c.permutation));
  bool same = true, differ = false;
  for (size_t i = 0; i < kPermutationStatistics; ++i) {
    same = same && a.permutation->counts[i].c0 == b.permutation->counts[i].c0 &&
           a.permutation->counts[i].c2 == b.permutation->counts[i].c2;
    differ = differ || a.permutation->counts[i].c0 != c.permutation->counts[i].c0;
  }
  CHECK(same);
  CHECK(differ);
}

TEST_CASE("IID random data passes the IID tests") {
  SECTION("8-bit samples") {
    const IidAssessment a = Assess(testing::RandomBytes(50000, 21), 8, kIidShuffles);
    CHECK(a.rejected_by.empty());
    CHECK(a.iid);
    CHECK(a.permutation);
    REQUIRE(a.h_bitstring);
    // min(H_original, 8 x H_bitstring), most common value estimates, near 8.
    CHECK(a.min_entropy == std::min(a.h_original, 8 * *a.h_bitstring));
    CHECK(a.min_entropy > 6.5);
    CHECK(a.min_entropy <= 8);
  }
  SECTION("binary samples") {
    std::vector<int> bits = testing::Unpack(testing::RandomBytes(4000, 22));
    const IidAssessment a = Assess(Bytes(bits.begin(), bits.end()), 1, kIidShuffles);
    CHECK(a.rejected_by.empty());
    CHECK(a.iid);
    CHECK_FALSE(a.h_bitstring);
    CHECK(a.min_entropy == a.h_original);
  }
}

TEST_CASE("A slow random walk is rejected") {
  const IidAssessment a = Assess(SlowRandomWalk(5000), 8, 100);
  CHECK_FALSE(a.iid);
  // Neighbours are more alike than in any shuffle: covariance(1) larger
  // (every shuffle smaller: C0 + C1 = 0), fewer and longer runs about the median, better compression,
  // never equal neighbours (periodicity(1) = 0, smaller than any shuffle's).
  for (const char* name : {"covariance_1", "num_runs_median", "len_runs_median", "compression", "periodicity_1",
                           "excursion", "chi_square_independence"}) {
    CAPTURE(name);
    CHECK(Contains(a.rejected_by, name));
  }
  REQUIRE(a.permutation);
  CHECK(a.permutation->counts[13].c0 + a.permutation->counts[13].c1 == 0);  // covariance_1
  CHECK(a.permutation->counts[18].c0 == 100);                              // compression: every shuffle larger
}

TEST_CASE("Repeated samples are rejected") {
  // Each random byte four times: three neighbours in four are equal.
  const Bytes random = testing::RandomBytes(2500, 41);
  Bytes repeated;
  for (uint8_t v : random) repeated.insert(repeated.end(), 4, v);
  const IidAssessment a = Assess(repeated, 8, 100);
  CHECK_FALSE(a.iid);
  for (const char* name : {"periodicity_1", "covariance_1", "len_directional_runs", "compression",
                           "chi_square_independence", "lrs"}) {
    CAPTURE(name);
    CHECK(Contains(a.rejected_by, name));
  }
}

TEST_CASE("A chi-square rejection is final: the permutation tests are not run") {
  const Bytes walk = SlowRandomWalk(5000);
  const IidAssessment fast = Assess(walk, 8, kIidShuffles, kDefaultIidSeed, false);
  const IidAssessment all = Assess(walk, 8, 100, kDefaultIidSeed, true);
  REQUIRE_FALSE(fast.independence.passed);
  CHECK(fast.iid == all.iid);
  CHECK_FALSE(fast.iid);
  CHECK_FALSE(fast.permutation);  // no statistic computed, no shuffle made
  CHECK(fast.rejected_by ==
        std::vector<std::string>{"chi_square_independence", "chi_square_goodness_of_fit", "lrs"});
  // The deterministic tests and the entropy estimates are those of the full run.
  CHECK(fast.independence.score == all.independence.score);
  CHECK(fast.goodness_of_fit.passed == all.goodness_of_fit.passed);
  CHECK(fast.lrs.longest == all.lrs.longest);
  CHECK(fast.h_original == all.h_original);
  REQUIRE(all.permutation);
  CHECK(all.permutation->shuffles == 100);
  CHECK(all.rejected_by.size() > fast.rejected_by.size());
  CHECK(std::equal(fast.rejected_by.begin(), fast.rejected_by.end(), all.rejected_by.begin()));
}

TEST_CASE("Repeated samples are rejected without shuffles; data passing chi-square and LRS is shuffled") {
  // Each random byte four times: the LRS and chi-square both reject.
  Bytes repeated;
  for (uint8_t v : testing::RandomBytes(2500, 41)) repeated.insert(repeated.end(), 4, v);
  const IidAssessment rejected = Assess(repeated, 8, kIidShuffles, kDefaultIidSeed, false);
  CHECK_FALSE(rejected.iid);
  CHECK_FALSE(rejected.permutation);
  CHECK(Contains(rejected.rejected_by, "lrs"));
  // Random bits pass chi-square and LRS: the permutation tests decide, as with --all-tests.
  const std::vector<int> bits = testing::Unpack(testing::RandomBytes(4000, 22));
  const Bytes random(bits.begin(), bits.end());
  const IidAssessment a = Assess(random, 1, 200, 1, false), b = Assess(random, 1, 200, 1, true);
  CHECK(a.independence.passed);
  CHECK(a.lrs.passed);
  REQUIRE(a.permutation);
  REQUIRE(b.permutation);
  CHECK(a.permutation->shuffles == b.permutation->shuffles);
  CHECK(a.iid == b.iid);
  CHECK(a.rejected_by == b.rejected_by);
}

TEST_CASE("The report says why the permutation tests were not run") {
  const IidAssessment fast = Assess(SlowRandomWalk(5000), 8, kIidShuffles, kDefaultIidSeed, false);
  const std::string text = FormatIidText(fast, "walk.bin");
  const std::string why =
      "the IID assumption is already rejected by chi_square_independence, chi_square_goodness_of_fit, lrs; "
      "--all-tests runs them as NIST's ea_iid does";
  CHECK(text.find("\nPermutation tests not run: " + why + "\n") != std::string::npos);
  CHECK(text.find("C0 shuffled") == std::string::npos);  // no table
  CHECK(text.find("RESULT: IID assumption rejected by chi_square_independence chi_square_goodness_of_fit lrs;") !=
        std::string::npos);
  const auto j = nlohmann::json::parse(FormatIidJson(fast, "walk.bin"));
  CHECK(j["iid"] == false);
  CHECK(j["permutation_tests"].is_null());
  CHECK(j["permutation_skipped_because"] == why);
  CHECK(j["min_entropy"].is_null());

  const auto all = nlohmann::json::parse(FormatIidJson(Assess(SlowRandomWalk(5000), 8, 100), "walk.bin"));
  CHECK(all["permutation_tests"]["shuffles"] == 100);
  CHECK(all["permutation_tests"]["statistics"].size() == kPermutationStatistics);
  CHECK(all["permutation_skipped_because"].is_null());
}

}  // namespace
}  // namespace egdstat
