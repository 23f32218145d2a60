// SPDX-License-Identifier: Apache-2.0
#include "eval/estimate_binary.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "eval/entropy_samples.h"
#include "eval/nist_refdata.h"

using egdstat::EntropySamples;
using egdstat::EstimateCollision;
using egdstat::EstimateCompression;
using egdstat::EstimateMarkov;
using egdstat::testing::LoadNistPrepared;
using egdstat::testing::LoadNistResult;
using egdstat::testing::NistDataNames;
using egdstat::testing::NistResult;

namespace {

constexpr double kTolerance = egdstat::testing::kNistTolerance;

// Within 1e-6 absolutely: Approx's default relative slack (1e-5) is looser.
Approx Near(double expected) { return Approx(expected).epsilon(0).margin(kTolerance); }

// What the reference printed about p: a verdict line, no value.
bool FoundP(const NistResult& ref, const std::string& key) { return ref.Says(key + "Found p."); }

// The bits the reference runs these estimators on, and its label for them.
struct NistBits {
  NistResult ref;
  std::string label;
  std::vector<uint8_t> bits;
};

NistBits LoadBits(const std::string& name) {
  NistBits b{LoadNistResult(name), "", {}};
  EntropySamples s = LoadNistPrepared(name, b.ref);
  b.label = s.binary() ? "Literal" : "Bitstring";
  b.bits = s.binary() ? s.literal : s.bitstring;
  return b;
}

std::vector<uint8_t> Repeat(std::vector<uint8_t> pattern, size_t n) {
  std::vector<uint8_t> bits(n);
  for (size_t i = 0; i < n; ++i) bits[i] = pattern[i % pattern.size()];
  return bits;
}

}  // namespace

TEST_CASE("collision: NIST's sample files give NIST's results", "[binary]") {
  for (const std::string& name : NistDataNames()) {
    INFO(name);
    NistBits b = LoadBits(name);
    const std::string key = b.label + " Collision Estimate: ";
    if (!b.ref.Get(key + "min entropy")) continue;
    auto r = EstimateCollision(b.bits);
    CHECK(r.computed);
    CHECK(static_cast<double>(r.v) == *b.ref.Get(key + "v"));
    CHECK(static_cast<double>(r.sum_t) == *b.ref.Get(key + "Sum t_i"));
    CHECK(r.x_bar == Near(*b.ref.Get(key + "X-bar")));
    CHECK(r.sigma_hat == Near(*b.ref.Get(key + "sigma-hat")));
    CHECK(r.x_bar_prime == Near(*b.ref.Get(key + "X-bar'")));
    CHECK(r.found_p == FoundP(b.ref, key));
    CHECK(r.p == Near(*b.ref.Get(key + "p")));
    CHECK(r.min_entropy == Near(*b.ref.Get(key + "min entropy")));
  }
}

TEST_CASE("markov: NIST's sample files give NIST's results", "[binary]") {
  for (const std::string& name : NistDataNames()) {
    INFO(name);
    NistBits b = LoadBits(name);
    const std::string key = b.label + " Markov Estimate: ";
    if (!b.ref.Get(key + "min entropy")) continue;
    auto r = EstimateMarkov(b.bits);
    CHECK(r.computed);
    CHECK(r.p0 == Near(*b.ref.Get(key + "P_0")));
    CHECK(r.p1 == Near(*b.ref.Get(key + "P_1")));
    CHECK(r.p00 == Near(*b.ref.Get(key + "P_{0,0}")));
    CHECK(r.p01 == Near(*b.ref.Get(key + "P_{0,1}")));
    CHECK(r.p10 == Near(*b.ref.Get(key + "P_{1,0}")));
    CHECK(r.p11 == Near(*b.ref.Get(key + "P_{1,1}")));
    // Often around 1e-39: an absolute margin would say nothing.
    CHECK(r.p_max == Approx(*b.ref.Get(key + "p-hat_max")).epsilon(1e-9));
    CHECK(r.min_entropy == Near(*b.ref.Get(key + "min entropy")));
  }
}

TEST_CASE("compression: NIST's sample files give NIST's results", "[binary]") {
  for (const std::string& name : NistDataNames()) {
    INFO(name);
    NistBits b = LoadBits(name);
    const std::string key = b.label + " Compression Estimate: ";
    if (!b.ref.Get(key + "min entropy")) continue;
    auto r = EstimateCompression(b.bits);
    CHECK(r.computed);
    CHECK(r.blocks == b.bits.size() / 6);
    CHECK(r.x_bar == Near(*b.ref.Get(key + "X-bar")));
    CHECK(r.sigma_hat == Near(*b.ref.Get(key + "sigma-hat")));
    CHECK(r.x_bar_prime == Near(*b.ref.Get(key + "X-bar'")));
    CHECK(r.found_p == FoundP(b.ref, key));
    CHECK(r.p == Near(*b.ref.Get(key + "p")));
    CHECK(r.min_entropy == Near(*b.ref.Get(key + "min entropy")));
  }
}

TEST_CASE("binary estimators: all-equal bits have no entropy", "[binary]") {
  for (uint8_t bit : {0, 1}) {
    INFO(int(bit));
    const std::vector<uint8_t> bits(12000, bit);
    auto c = EstimateCollision(bits);
    CHECK(c.v == 6000);
    CHECK(c.sum_t == 12000);
    CHECK(c.x_bar == 2.0);
    CHECK(c.sigma_hat == 0.0);
    CHECK(c.p == 1.0);
    CHECK(c.min_entropy == 0.0);
    auto m = EstimateMarkov(bits);
    CHECK(m.p_max == 1.0);
    CHECK(m.min_entropy == 0.0);
    auto z = EstimateCompression(bits);
    CHECK(z.x_bar == 0.0);
    CHECK(z.found_p);
    CHECK(z.p == 1.0);
    CHECK(z.min_entropy == 0.0);
    // Reported as 0, not -0.
    CHECK_FALSE(std::signbit(c.min_entropy));
    CHECK_FALSE(std::signbit(m.min_entropy));
    CHECK_FALSE(std::signbit(z.min_entropy));
  }
}

TEST_CASE("binary estimators: alternating bits fool all but the Markov model", "[binary]") {
  const std::vector<uint8_t> bits = Repeat({0, 1}, 12000);
  auto c = EstimateCollision(bits);  // every time is 3: no spread, p not found
  CHECK(c.v == 4000);
  CHECK(c.sum_t == 12000);
  CHECK(c.x_bar == 3.0);
  CHECK_FALSE(c.found_p);
  CHECK(c.p == 0.5);
  CHECK(c.min_entropy == 1.0);
  auto m = EstimateMarkov(bits);  // 0101... has probability 1/2: one bit in 128
  CHECK(m.p01 == 1.0);
  CHECK(m.p10 == 1.0);
  CHECK(m.p_max == 0.5);
  CHECK(m.min_entropy == Approx(1.0 / 128));
  auto z = EstimateCompression(bits);  // every 6-bit block is 010101
  CHECK(z.x_bar == 0.0);
  CHECK(z.min_entropy == 0.0);
}

TEST_CASE("collision: times of 2 and 3; a 3 running past the end does not count", "[binary]") {
  auto r = EstimateCollision(std::vector<uint8_t>{0, 0, 1, 0, 1, 1, 1, 0, 1});  // 00 101 11 (01)
  CHECK(r.v == 3);
  CHECK(r.sum_t == 7);
  CHECK(r.x_bar == Approx(7.0 / 3));
  CHECK(EstimateCollision(std::vector<uint8_t>{0, 0, 1, 1, 0}).sum_t == 4);  // 00 11 (0)
}

TEST_CASE("binary estimators: too little data is not estimated", "[binary]") {
  CHECK_FALSE(EstimateCollision({}).computed);
  CHECK_FALSE(EstimateCollision(std::vector<uint8_t>{0, 1, 0, 1, 0}).computed);  // one collision
  CHECK(EstimateCollision(std::vector<uint8_t>{1, 1, 0, 0}).computed);
  CHECK(EstimateCollision(std::vector<uint8_t>{1, 0, 1, 0, 1, 0}).computed);  // 6 bits always do
  CHECK_FALSE(EstimateMarkov(std::vector<uint8_t>{1}).computed);
  auto m = EstimateMarkov(std::vector<uint8_t>{0, 1});  // no candidate sequence is possible
  CHECK(m.computed);
  CHECK(m.min_entropy == 1.0);
  const std::vector<uint8_t> random = Repeat({0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1}, 6012);
  CHECK_FALSE(EstimateCompression(std::span(random).first(6011)).computed);
  auto z = EstimateCompression(random);
  CHECK(z.computed);
  CHECK(z.blocks == 1002);
  CHECK(z.min_entropy == 0.0);  // period 11: every block recurs 11 blocks later
  auto none = EstimateCompression({});
  CHECK_FALSE(none.computed);
  CHECK(none.min_entropy == 0.0);
}
