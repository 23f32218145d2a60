// SPDX-License-Identifier: Apache-2.0
#include "eval/entropy_assessment.h"

#include <catch2/catch.hpp>

#include <map>

#include "eval/entropy_samples.h"
#include "eval/nist_refdata.h"

using egdstat::AssessNonIid;
using egdstat::EntropyAssessment;
using egdstat::EntropySamples;
using egdstat::EstimatorResult;
using egdstat::PrepareSamples;
using namespace egdstat::testing;

namespace {

constexpr double kTolerance = egdstat::testing::kNistTolerance;

// egd-eval's estimator names and the reference's.
const std::map<std::string, std::string> kReferenceNames = {
    {"most_common_value", "Most Common Value Estimate"},
    {"collision", "Collision Estimate"},
    {"markov", "Markov Estimate"},
    {"compression", "Compression Estimate"},
    {"t_tuple", "t-Tuple Estimate"},
    {"lrs", "LRS Estimate"},
    {"multi_mcw", "MultiMCW Prediction Estimate"},
    {"lag", "Lag Prediction Estimate"},
    {"multi_mmc", "MultiMMC Prediction Estimate"},
    {"lz78y", "LZ78Y Prediction Estimate"},
};

// Every estimator the reference ran under `label` ran here, and agrees.
void CheckEstimators(const NistResult& ref, const char* label,
                     const std::vector<EstimatorResult>& ours) {
  INFO(label);
  size_t expected = 0;
  for (const auto& [name, theirs] : kReferenceNames) {
    if (ref.Get(std::string(label) + " " + theirs + ": min entropy")) ++expected;
  }
  CHECK(ours.size() == expected);
  for (const EstimatorResult& r : ours) {
    INFO(r.name);
    auto want = ref.Get(std::string(label) + " " + kReferenceNames.at(r.name) + ": min entropy");
    REQUIRE(want);
    CHECK(r.min_entropy == Approx(*want).margin(kTolerance));
  }
}

}  // namespace

TEST_CASE("assessment: NIST's sample files give NIST's results, estimator by estimator") {
  for (const std::string& name : NistDataNames()) {
    INFO(name);
    NistResult ref = LoadNistResult(name);
    EntropySamples s = LoadNistPrepared(name, ref);
    EntropyAssessment a = AssessNonIid(s);
    CheckEstimators(ref, "Literal", a.literal);
    CheckEstimators(ref, "Bitstring", a.bitstring);
    CHECK(a.h_original == Approx(*ref.Get("H_original")).margin(kTolerance));
    REQUIRE(a.h_bitstring.has_value() == ref.Get("H_bitstring").has_value());
    if (a.h_bitstring) CHECK(*a.h_bitstring == Approx(*ref.Get("H_bitstring")).margin(kTolerance));
    CHECK(a.min_entropy == Approx(*ref.Get("Assessed min entropy")).margin(kTolerance));
    CHECK_FALSE(a.decided_by.empty());
  }
}

TEST_CASE("assessment: binary data runs all ten estimators on the samples, no bitstring") {
  EntropySamples s;
  std::vector<uint8_t> bits(20000);  // enough for every estimator (compression: 6,012)
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = (i * 2654435761u >> 7) & 1;
  REQUIRE(PrepareSamples(bits, 1, &s).empty());
  EntropyAssessment a = AssessNonIid(s);
  CHECK(a.literal.size() == 10);
  CHECK(a.bitstring.empty());
  CHECK_FALSE(a.h_bitstring);
  CHECK(a.min_entropy == a.h_original);
}

TEST_CASE("assessment: progress counts every estimator run, literal then bitstring") {
  std::vector<std::pair<size_t, size_t>> calls;
  auto record = [&](size_t done, size_t total) { calls.emplace_back(done, total); };
  EntropySamples s;
  std::vector<uint8_t> bytes(20000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 2654435761u >> 11);
  REQUIRE(PrepareSamples(bytes, 8, &s).empty());
  AssessNonIid(s, true, record);
  REQUIRE(calls.size() == 17);  // 7 literal estimators, 10 on the bitstring
  for (size_t i = 0; i < calls.size(); ++i) CHECK(calls[i] == std::make_pair(i + 1, size_t{17}));
  calls.clear();
  AssessNonIid(s, false, record);  // literal only
  REQUIRE(calls.size() == 7);
  CHECK(calls.back() == std::make_pair(size_t{7}, size_t{7}));
}

TEST_CASE("assessment: constant data has no entropy") {
  EntropySamples s;
  REQUIRE(PrepareSamples(std::vector<uint8_t>(5000, 0x41), 8, &s).empty());
  EntropyAssessment a = AssessNonIid(s);
  CHECK(a.alphabet == 1);
  CHECK(a.bitstring.empty());  // one symbol: no bitstring assessment, as in the reference
  CHECK(a.min_entropy == Approx(0).margin(1e-12));
}
