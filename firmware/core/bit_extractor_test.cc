#include "firmware/core/bit_extractor.h"

#include <catch2/catch.hpp>
#include <random>
#include <vector>

namespace trng {
namespace {

// ADC samples whose raw bits (after the motion gate) are exactly `bits`:
// every step moves 60-61 LSB, alternating up and down, with the wanted LSB.
std::vector<uint16_t> SamplesFor(const std::vector<int>& bits) {
  std::vector<uint16_t> s = {500};
  for (size_t i = 0; i < bits.size(); ++i) {
    const int base = (i % 2 == 0) ? 560 : 500;
    s.push_back(static_cast<uint16_t>((base & ~1) | bits[i]));
  }
  return s;
}

std::vector<uint8_t> Run(BitExtractor& x, const std::vector<uint16_t>& samples) {
  std::vector<uint8_t> out;
  for (uint16_t v : samples) {
    uint8_t b;
    if (x.Push(v, &b)) out.push_back(b);
  }
  return out;
}

ExtractorConfig Mode(Debias d) {
  ExtractorConfig c;
  c.debias = d;
  return c;
}

TEST_CASE("Raw mode: LSB of moving samples, MSB first", "[extractor]") {
  BitExtractor x(Mode(Debias::kNone));
  const auto out = Run(x, SamplesFor({1, 0, 1, 1, 0, 0, 1, 0}));
  REQUIRE(out == std::vector<uint8_t>{0xB2});
  REQUIRE(x.stats().samples == 9);
  REQUIRE(x.stats().raw_bits == 8);
  REQUIRE(x.stats().quiet == 0);
}

TEST_CASE("Motion gate: small steps give constant zero bits", "[extractor]") {
  BitExtractor x(Mode(Debias::kNone));
  // +-1..3 LSB of electrical noise around any level, odd values included
  const auto out = Run(x, {601, 603, 601, 602, 600, 601, 603, 601, 602});
  REQUIRE(out == std::vector<uint8_t>{0x00});
  REQUIRE(x.stats().quiet == 8);
  // exactly the threshold counts as motion
  BitExtractor y(Mode(Debias::kNone));
  const auto out2 = Run(y, {100, 105, 101, 105, 101, 105, 101, 105, 101});
  REQUIRE(out2 == std::vector<uint8_t>{0xFF});
}

TEST_CASE("XOR-4 debiasing on crafted input", "[extractor]") {
  BitExtractor x(Mode(Debias::kXor));
  // 8 groups of 4 raw bits: parities 1,0,1,0,0,1,1,1
  const auto out = Run(x, SamplesFor({1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1,
                                      0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1}));
  REQUIRE(out == std::vector<uint8_t>{0xA7});
  REQUIRE(x.stats().raw_bits == 32);
  REQUIRE(x.stats().bits == 8);
}

TEST_CASE("Von Neumann debiasing on crafted input", "[extractor]") {
  BitExtractor x(Mode(Debias::kVonNeumann));
  // pairs: 10 01 00 11 10 10 01 11 00 01 10 01 -> 1 0 - - 1 1 0 - - 0 1 0
  const auto out = Run(x, SamplesFor({1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0,
                                      0, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1}));
  REQUIRE(out == std::vector<uint8_t>{0xB2});  // 1 0 1 1 0 0 1 0
  REQUIRE(x.stats().raw_bits == 24);
  REQUIRE(x.stats().bits == 8);
}

TEST_CASE("A stuck ADC: XOR and raw give constant bytes, von Neumann gives nothing", "[extractor]") {
  const std::vector<uint16_t> pinned(1000, 1023);  // direct sunlight
  BitExtractor xr(Mode(Debias::kXor));
  const auto out = Run(xr, pinned);
  REQUIRE(out.size() == 999 / 32);
  for (uint8_t b : out) REQUIRE(b == 0x00);
  BitExtractor raw(Mode(Debias::kNone));
  REQUIRE(Run(raw, pinned).size() == 999 / 8);
  BitExtractor vn(Mode(Debias::kVonNeumann));
  REQUIRE(Run(vn, pinned).empty());
  REQUIRE(vn.stats().bits == 0);
}

TEST_CASE("XOR-4 removes most of a raw bias", "[extractor]") {
  std::mt19937 rng(7);
  std::bernoulli_distribution biased(0.6);
  std::vector<int> bits(400'000);
  for (int& b : bits) b = biased(rng);
  BitExtractor x(Mode(Debias::kXor));
  const auto out = Run(x, SamplesFor(bits));
  size_t ones = 0;
  for (uint8_t b : out) ones += static_cast<size_t>(__builtin_popcount(b));
  const double p = static_cast<double>(ones) / (out.size() * 8.0);
  // 0.6 -> 0.5 + 8 * 0.1^4 = 0.5008; 100,000 bits: sigma 0.0016
  REQUIRE(p > 0.494);
  REQUIRE(p < 0.508);
}

TEST_CASE("ADC min/max cover the window since ResetWindow", "[extractor]") {
  BitExtractor x(Mode(Debias::kXor));
  Run(x, {300, 10, 900, 500});
  REQUIRE(x.stats().adc_min == 10);
  REQUIRE(x.stats().adc_max == 900);
  x.ResetWindow();
  Run(x, {400, 450});
  REQUIRE(x.stats().adc_min == 400);
  REQUIRE(x.stats().adc_max == 450);
}

TEST_CASE("Reset forgets the previous sample and partial bits", "[extractor]") {
  BitExtractor x(Mode(Debias::kNone));
  Run(x, SamplesFor({1, 1, 1}));
  x.Reset();
  const auto out = Run(x, SamplesFor({0, 1, 0, 1, 0, 1, 0, 1}));
  REQUIRE(out == std::vector<uint8_t>{0x55});
}

}  // namespace
}  // namespace trng
