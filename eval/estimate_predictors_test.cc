// SPDX-License-Identifier: Apache-2.0
#include "eval/estimate_predictors.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "eval/entropy_samples.h"
#include "eval/nist_refdata.h"
#include "eval/predictor_dictionaries.h"

using egdstat::EntropySamples;
using egdstat::PredictionEstimate;
using egdstat::PredictorEstimate;
using egdstat::testing::LoadNistPrepared;
using egdstat::testing::LoadNistResult;
using egdstat::testing::NistDataNames;
using egdstat::testing::NistResult;

namespace {

constexpr double kTolerance = egdstat::testing::kNistTolerance;

using Estimator = std::function<std::optional<PredictorEstimate>(std::span<const uint8_t>, int)>;

struct Named {
  const char* name;
  Estimator run;
};

const std::vector<Named>& Estimators() {
  static const std::vector<Named> all = {
      {"MultiMCW", egdstat::EstimateMultiMcw},
      {"Lag", egdstat::EstimateLag},
      {"MultiMMC", egdstat::EstimateMultiMmc},
      {"LZ78Y", egdstat::EstimateLz78y},
  };
  return all;
}

// Everything the reference printed for one estimator on one label.
void CheckAgainst(const NistResult& ref, const std::string& key, const PredictorEstimate& e) {
  REQUIRE(ref.Get(key + "min entropy"));
  CHECK(static_cast<double>(e.correct) == *ref.Get(key + "C"));
  CHECK(static_cast<double>(e.run) == *ref.Get(key + "r"));
  CHECK(static_cast<double>(e.predictions) == *ref.Get(key + "N"));
  CHECK(e.p_global == Approx(*ref.Get(key + "P_global")).margin(kTolerance));
  CHECK(e.p_global_prime == Approx(*ref.Get(key + "P_global'")).margin(kTolerance));
  auto p_local = ref.Get(key + "P_local");
  CHECK(e.p_local.has_value() == p_local.has_value());
  if (e.p_local && p_local) CHECK(*e.p_local == Approx(*p_local).margin(kTolerance));
  CHECK(e.min_entropy == Approx(*ref.Get(key + "min entropy")).margin(kTolerance));
}

PredictorEstimate Run(const Estimator& f, const std::vector<uint8_t>& s, int alphabet) {
  auto e = f(s, alphabet);
  REQUIRE(e);
  return *e;
}

// A slow, literal rendering of the reference's MultiMMC and LZ78Y (std::map
// dictionaries, every context looked up every time), to check the fast ones
// where NIST's files do not reach: small alphabets, full dictionaries.
struct SlowPostfixes {
  std::map<uint8_t, long> counts;
  long best = 0;
  uint8_t prediction = 0;
  bool Increment(uint8_t y, bool make_new) {
    auto it = counts.find(y);
    if (it == counts.end() && !make_new) return false;
    const bool created = it == counts.end();
    const long c = ++counts[y];
    if (c > best || (c == best && y > prediction)) {
      best = c;
      prediction = y;
    }
    return created;
  }
};
using SlowDictionary = std::map<std::string, SlowPostfixes>;

std::string Substring(const std::vector<uint8_t>& s, long begin, long length) {
  return std::string(s.begin() + begin, s.begin() + begin + length);
}

struct Slow {
  long correct = 0, run = 0, longest = 0;
  void Score(bool hit) {
    run = hit ? run + 1 : 0;
    correct += hit;
    longest = std::max(longest, run);
  }
};

Slow SlowMultiMmc(const std::vector<uint8_t>& s) {
  const long len = static_cast<long>(s.size());
  std::array<SlowDictionary, 16> m;
  std::array<long, 16> entries{}, score{};
  for (int d = 0; d < 16; ++d) {
    m[d][Substring(s, 0, d + 1)].Increment(s[d + 1], true);
    entries[d] = 1;
  }
  Slow t;
  int winner = 0;
  for (long i = 2; i < len; ++i) {
    const int current = winner;
    bool found = false;
    for (int d = 0; d < 16 && d <= i - 2; ++d) {
      const std::string x = Substring(s, i - d - 1, d + 1);
      if (d == 0 || found) found = m[d].count(x) != 0;
      if (!found) {
        if (entries[d] < 100000) {
          m[d][x].Increment(s[i], true);
          ++entries[d];
        }
        continue;
      }
      SlowPostfixes& p = m[d][x];
      const bool hit = p.prediction == s[i];
      if (hit && ++score[d] >= score[winner]) winner = d;
      if (d == current) t.Score(hit);
      if (p.Increment(s[i], entries[d] < 100000)) ++entries[d];
    }
  }
  return t;
}

Slow SlowLz78y(const std::vector<uint8_t>& s) {
  const long len = static_cast<long>(s.size());
  std::array<SlowDictionary, 16> dict;
  long size = 0;
  for (int j = 1; j <= 16; ++j, ++size) dict[j - 1][Substring(s, 16 - j, j)].Increment(s[16], true);
  Slow t;
  for (long i = 17; i < len; ++i) {
    long max_count = 0;
    int prediction = -1;
    for (int j = 16; j > 0; --j) {
      const std::string x = Substring(s, i - j, j);
      auto it = dict[j - 1].find(x);
      if (it != dict[j - 1].end()) {
        if (it->second.best > max_count) {
          max_count = it->second.best;
          prediction = it->second.prediction;
        }
        it->second.Increment(s[i], true);
      } else if (size < 65536) {
        dict[j - 1][x].Increment(s[i], true);
        ++size;
      }
    }
    t.Score(prediction == s[i]);
  }
  return t;
}

// Pseudo-random samples: 0 or 1 except for `spread` % drawn from the whole
// alphabet, with some repetition at lag 7.
std::vector<uint8_t> Skewed(long n, int alphabet, uint32_t seed, uint32_t spread = 5) {
  std::vector<uint8_t> s;
  uint64_t x = seed;
  for (long i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const uint32_t r = static_cast<uint32_t>(x >> 33);
    uint8_t v = static_cast<uint8_t>(r % 100 >= spread ? (r >> 8) & 1 : (r >> 8) % alphabet);
    if (i >= 7 && r % 7 == 0) v = s[i - 7];
    s.push_back(v);
  }
  return s;
}

// The reference's binary MultiMMC and LZ78Y (dedicated versions for two
// symbols) as plain loops over dense count tables, one sample at a time.
struct BinaryTables {
  std::array<std::vector<uint32_t>, 16> counts;  // [length - 1][2 * context + next]
  BinaryTables() {
    for (int m = 1; m <= 16; ++m) counts[m - 1].assign(size_t{2} << m, 0);
  }
  uint32_t* At(int length, uint32_t context) {
    return &counts[length - 1][2 * (context & ((1u << length) - 1))];
  }
};

Slow SlowBinaryMultiMmc(const std::vector<uint8_t>& s) {
  BinaryTables tables;
  std::array<long, 16> entries{}, score{};
  uint32_t pattern = 0;
  for (int d = 0; d < 16; ++d) {
    pattern = (pattern << 1) | s[d];
    tables.At(d + 1, pattern)[s[d + 1]] = 1;
    entries[d] = 1;
  }
  int winner = 0;
  Slow t;
  for (size_t i = 2; i < s.size(); ++i) {
    uint32_t context = 0;  // s[i-1] lowest
    for (size_t j = i >= 17 ? i - 16 : 0; j < i; ++j) context = (context << 1) | s[j];
    const int current = winner;
    bool found = false;
    for (int d = 0; d < 16 && static_cast<size_t>(d) + 2 <= i; ++d) {
      uint32_t* e = tables.At(d + 1, context);
      if (d == 0 || found) found = e[0] != 0 || e[1] != 0;
      if (found) {
        const bool hit = (e[0] > e[1] ? 0 : 1) == s[i];
        if (d == current) t.Score(hit);
        if (hit && ++score[d] >= score[winner]) winner = d;
        if (e[s[i]] != 0) {
          ++e[s[i]];
        } else if (entries[d] < 100000) {
          e[s[i]] = 1;
          ++entries[d];
        }
      } else if (entries[d] < 100000) {
        e[s[i]] = 1;
        ++entries[d];
      }
    }
  }
  return t;
}

Slow SlowBinaryLz78y(const std::vector<uint8_t>& s) {
  BinaryTables tables;
  long contexts = 0;
  for (int j = 1; j <= 16; ++j) {
    uint32_t context = 0;
    for (int k = 16 - j; k < 16; ++k) context = (context << 1) | s[k];
    tables.At(j, context)[s[16]] = 1;
    ++contexts;
  }
  Slow t;
  for (size_t i = 17; i < s.size(); ++i) {
    uint32_t context = 0;
    for (size_t k = i - 16; k < i; ++k) context = (context << 1) | s[k];
    uint32_t max_count = 0;
    int prediction = 2;
    for (int j = 16; j > 0; --j) {
      uint32_t* e = tables.At(j, context);
      const int guess = e[0] > e[1] ? 0 : 1;
      if (e[guess] != 0) {
        if (e[guess] > max_count) {
          max_count = e[guess];
          prediction = guess;
        }
        ++e[s[i]];
      } else if (contexts < 65536) {
        e[s[i]] = 1;
        ++contexts;
      }
    }
    t.Score(prediction == s[i]);
  }
  return t;
}

// Biased bits with stretches copied from earlier on.
std::vector<uint8_t> BiasedBits(long n, uint32_t percent_ones, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<uint8_t> s;
  for (long i = 0; i < n; ++i) s.push_back(static_cast<uint8_t>(gen() % 100 < percent_ones));
  for (long at = n / 2; at + 3000 < n; at += n / 7) {
    std::copy(s.begin() + at / 3, s.begin() + at / 3 + 3000, s.begin() + at);
  }
  return s;
}

}  // namespace

TEST_CASE("predictors: a tally of 64 predictions at once equals one at a time", "[predictors]") {
  std::mt19937_64 gen(5);
  egdstat::detail::Tally words, bits;
  for (int block = 0; block < 2000; ++block) {
    const int n = block % 3 == 0 ? 64 : 1 + static_cast<int>(gen() % 64);
    uint64_t hits = gen() | gen();  // mostly hits: long runs, across blocks too
    if (block % 5 == 0) hits = ~uint64_t{0};
    if (n < 64) hits &= (uint64_t{1} << n) - 1;
    words.Score(hits, n);
    for (int b = 0; b < n; ++b) bits.Score(((hits >> b) & 1) != 0);
    REQUIRE(words.correct == bits.correct);
    REQUIRE(words.run == bits.run);
    REQUIRE(words.longest == bits.longest);
  }
}

TEST_CASE("predictors: binary MultiMMC and LZ78Y agree with plain renderings", "[predictors]") {
  // Long enough to fill the binary dictionaries (LZ78Y's 65,536 contexts,
  // MultiMMC's 100,000 pairs of 16 bits), with repeats after they filled.
  for (uint32_t ones : {50U, 70U, 97U}) {
    INFO(ones << " % ones");
    const std::vector<uint8_t> s = BiasedBits(ones == 50 ? 400000 : 150000, ones, ones);
    const Slow mmc = SlowBinaryMultiMmc(s);
    PredictorEstimate fast = Run(egdstat::EstimateMultiMmc, s, 2);
    CHECK(fast.correct == mmc.correct);
    CHECK(fast.run == mmc.longest + 1);
    const Slow lz = SlowBinaryLz78y(s);
    fast = Run(egdstat::EstimateLz78y, s, 2);
    CHECK(fast.correct == lz.correct);
    CHECK(fast.run == lz.longest + 1);
  }
  // Short data: the first steps, before every order has a context.
  for (long n : {17L, 18L, 40L, 100L}) {
    const std::vector<uint8_t> s = BiasedBits(n, 60, static_cast<uint32_t>(n));
    CHECK(Run(egdstat::EstimateMultiMmc, s, 2).correct == SlowBinaryMultiMmc(s).correct);
    if (n >= 18) CHECK(Run(egdstat::EstimateLz78y, s, 2).correct == SlowBinaryLz78y(s).correct);
  }
}

TEST_CASE("predictors: MultiMMC agrees with a literal rendering", "[predictors]") {
  // Enough distinct contexts to fill the higher orders' 100,000-pair caps,
  // then a repeat: known contexts met again with new followers refused.
  std::vector<uint8_t> s = Skewed(104000, 200, 1, 100);
  s.insert(s.end(), s.begin(), s.begin() + 20000);
  for (long i = 104000; i < 124000; i += 50) s[i] = static_cast<uint8_t>(s[i] + 1);
  Slow slow = SlowMultiMmc(s);
  PredictorEstimate fast = Run(egdstat::EstimateMultiMmc, s, 200);
  CHECK(fast.correct == slow.correct);
  CHECK(fast.run == slow.longest + 1);
}

TEST_CASE("predictors: LZ78Y agrees with a literal rendering", "[predictors]") {
  // The data repeat after the dictionary has filled, so the contexts added
  // on the step that filled it (whose shorter suffixes may be missing) recur.
  for (int alphabet : {3, 16}) {
    for (uint32_t seed : {1U, 2U, 3U}) {
      INFO("alphabet " << alphabet << " seed " << seed);
      std::vector<uint8_t> s = Skewed(20000, alphabet, seed);
      s.insert(s.end(), s.begin(), s.end());
      Slow slow = SlowLz78y(s);
      PredictorEstimate fast = Run(egdstat::EstimateLz78y, s, alphabet);
      CHECK(fast.correct == slow.correct);
      CHECK(fast.run == slow.longest + 1);
    }
  }
}

TEST_CASE("predictors: NIST's sample files give NIST's results", "[predictors]") {
  for (const std::string& name : NistDataNames()) {
    INFO(name);
    NistResult ref = LoadNistResult(name);
    EntropySamples s = LoadNistPrepared(name, ref);
    struct Label {
      const char* label;
      const std::vector<uint8_t>* samples;
      int alphabet;
    };
    std::vector<Label> labels = {{"Literal", &s.literal, s.alphabet}};
    if (!s.binary()) labels.push_back({"Bitstring", &s.bitstring, 2});
    for (const Label& l : labels) {
      for (const Named& est : Estimators()) {
        INFO(l.label << " " << est.name);
        CheckAgainst(ref, std::string(l.label) + " " + est.name + " Prediction Estimate: ",
                     Run(est.run, *l.samples, l.alphabet));
      }
    }
  }
}

TEST_CASE("predictors: the final step floors at 1/k and finds P_local", "[predictors]") {
  // Far below 1/k: the estimate is log2(k), P_local cannot matter.
  PredictorEstimate low = PredictionEstimate(10, 1, 100000, 2);
  CHECK(low.min_entropy == 1.0);
  CHECK_FALSE(low.p_local);
  // No correct prediction at all: P_global' = 1 - 0.01^(1/N).
  PredictorEstimate none = PredictionEstimate(0, 0, 1000, 256);
  CHECK(none.p_global == 0.0);
  CHECK(none.p_global_prime == Approx(1.0 - std::pow(0.01, 1.0 / 1000)));
  // A long run with few correct predictions: P_local decides.
  PredictorEstimate run = PredictionEstimate(5000, 60, 100000, 256);
  REQUIRE(run.p_local);
  CHECK(*run.p_local > run.p_global_prime);
  CHECK(run.min_entropy == Approx(-std::log2(*run.p_local)));
  // Everything predicted: no entropy, and no P_local search at p = 1.
  PredictorEstimate all = PredictionEstimate(1000, 1000, 1000, 2);
  CHECK(all.p_global_prime == 1.0);
  CHECK_FALSE(all.p_local);
  CHECK(all.min_entropy == 0.0);
}

TEST_CASE("predictors: all-equal data is predicted every time", "[predictors]") {
  for (int alphabet : {1, 2, 16}) {
    std::vector<uint8_t> same(5000, 0);
    for (const Named& est : Estimators()) {
      INFO(est.name << " alphabet " << alphabet);
      PredictorEstimate e = Run(est.run, same, alphabet);
      CHECK(e.correct == e.predictions);
      CHECK(e.run == e.predictions + 1);
      CHECK(e.min_entropy == 0.0);
    }
  }
}

TEST_CASE("predictors: periodic data", "[predictors]") {
  // Period 5 over 8 symbols: the lag-5 predictor wins after a few samples
  // and the context predictors learn the cycle after one period.
  std::vector<uint8_t> cycle;
  for (int i = 0; i < 6000; ++i) cycle.push_back(static_cast<uint8_t>((i % 5) * 3 % 8));
  PredictorEstimate lag = Run(egdstat::EstimateLag, cycle, 8);
  CHECK(lag.predictions == 5999);
  CHECK(lag.correct >= 5999 - 10);
  CHECK(lag.min_entropy < 0.01);
  for (const Named& est : Estimators()) {
    INFO(est.name);
    PredictorEstimate e = Run(est.run, cycle, 8);
    if (std::string(est.name) == "MultiMCW") {
      CHECK(e.correct < e.predictions / 2);  // no value dominates any window
    } else {
      CHECK(e.correct >= e.predictions - 20);
    }
  }
  // Alternating bits: the binary specialisations learn it too.
  std::vector<uint8_t> bits;
  for (int i = 0; i < 6000; ++i) bits.push_back(static_cast<uint8_t>(i & 1));
  for (const Named& est : {Estimators()[1], Estimators()[2], Estimators()[3]}) {
    INFO(est.name);
    PredictorEstimate e = Run(est.run, bits, 2);
    CHECK(e.correct >= e.predictions - 20);
  }
}

TEST_CASE("predictors: too short for the estimator", "[predictors]") {
  std::vector<uint8_t> s(4095, 1);
  CHECK_FALSE(egdstat::EstimateMultiMcw(s, 2));
  s.push_back(0);
  CHECK(egdstat::EstimateMultiMcw(s, 2));
  CHECK_FALSE(egdstat::EstimateLag(std::vector<uint8_t>{0, 1}, 2));
  CHECK(egdstat::EstimateLag(std::vector<uint8_t>{0, 1, 0}, 2));
  CHECK_FALSE(egdstat::EstimateMultiMmc(std::vector<uint8_t>{0, 1}, 3));
  CHECK(egdstat::EstimateMultiMmc(std::vector<uint8_t>{0, 1, 2}, 3));
  CHECK_FALSE(egdstat::EstimateMultiMmc(std::vector<uint8_t>(16, 1), 2));
  CHECK_FALSE(egdstat::EstimateLz78y(std::vector<uint8_t>(17, 1), 3));
  auto lz = egdstat::EstimateLz78y(std::vector<uint8_t>(18, 1), 3);
  REQUIRE(lz);
  CHECK(lz->predictions == 1);
}
