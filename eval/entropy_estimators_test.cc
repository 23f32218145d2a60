// SPDX-License-Identifier: Apache-2.0
#include "eval/entropy_estimators.h"

#include <catch2/catch.hpp>

#include "eval/entropy_samples.h"
#include "eval/nist_refdata.h"

using egdstat::EntropySamples;
using egdstat::EstimateMostCommonValue;
using egdstat::PrepareSamples;
using egdstat::testing::LoadNistPrepared;
using egdstat::testing::LoadNistResult;
using egdstat::testing::NistDataNames;

namespace {

constexpr double kTolerance = egdstat::testing::kNistTolerance;

EntropySamples Prepare(std::vector<uint8_t> data, int bits) {
  EntropySamples s;
  REQUIRE(PrepareSamples(data, bits, &s).empty());
  return s;
}

}  // namespace

TEST_CASE("samples: bitstring most significant bit first, before relabelling") {
  EntropySamples s = Prepare({0x5, 0xF, 0x5}, 4);
  CHECK(s.alphabet == 2);
  CHECK(s.literal == std::vector<uint8_t>{0, 1, 0});  // 5 and 15 relabelled
  CHECK(s.bitstring == std::vector<uint8_t>{0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1});
  CHECK(s.binary());
}

TEST_CASE("samples: dense alphabets are not relabelled; all-ones 1-bit data becomes zeros") {
  CHECK(Prepare({0, 1, 2, 3}, 2).literal == std::vector<uint8_t>{0, 1, 2, 3});
  CHECK(Prepare({0, 0, 2}, 2).literal == std::vector<uint8_t>{0, 0, 1});
  EntropySamples ones = Prepare({1, 1, 1}, 1);
  CHECK(ones.alphabet == 1);
  CHECK(ones.literal == std::vector<uint8_t>{0, 0, 0});
  CHECK(ones.bitstring == ones.literal);
}

TEST_CASE("samples: wider than the sample size, no samples, a bad size") {
  EntropySamples s;
  CHECK(PrepareSamples(std::vector<uint8_t>{1, 4}, 2, &s) == "sample 1 is 4, wider than 2 bits");
  CHECK(PrepareSamples({}, 8, &s) == "no samples");
  CHECK(PrepareSamples(std::vector<uint8_t>{1}, 9, &s) == "bits per sample must be 1..8, not 9");
  CHECK(PrepareSamples(std::vector<uint8_t>{1}, 0, &s) == "bits per sample must be 1..8, not 0");
}

TEST_CASE("most common value: all-equal data has no entropy; the bound is capped at 1") {
  auto r = EstimateMostCommonValue(std::vector<uint8_t>(100, 0), 1);
  CHECK(r.mode == 100);
  CHECK(r.p_upper == 1.0);
  CHECK(r.min_entropy == 0.0);
}

TEST_CASE("most common value: NIST's sample files give NIST's results") {
  for (const std::string& name : NistDataNames()) {
    INFO(name);
    auto ref = LoadNistResult(name);
    EntropySamples s = LoadNistPrepared(name, ref);
    REQUIRE(s.literal.size() == ref.samples);
    REQUIRE(s.alphabet == ref.alphabet);
    struct Run {
      const char* label;
      const std::vector<uint8_t>* samples;
      int alphabet;
    };
    std::vector<Run> runs = {{"Literal", &s.literal, s.alphabet}};
    if (!s.binary()) runs.push_back({"Bitstring", &s.bitstring, 2});
    for (const Run& run : runs) {
      INFO(run.label);
      std::string key = std::string(run.label) + " Most Common Value Estimate: ";
      auto r = EstimateMostCommonValue(*run.samples, run.alphabet);
      REQUIRE(ref.Get(key + "min entropy"));
      CHECK(static_cast<double>(r.mode) == *ref.Get(key + "Mode count"));
      CHECK(r.p_hat == Approx(*ref.Get(key + "p-hat")).margin(kTolerance));
      CHECK(r.p_upper == Approx(*ref.Get(key + "p_u")).margin(kTolerance));
      CHECK(r.min_entropy == Approx(*ref.Get(key + "min entropy")).margin(kTolerance));
    }
    // Binary data: every estimator is literal and there is no bitstring result.
    CHECK(s.binary() == !ref.Get("H_bitstring"));
  }
}
