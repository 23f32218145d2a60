#include "health/sp800_90b.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <random>
#include <vector>

namespace egd {
namespace {

std::vector<uint8_t> RandomBytes(size_t n, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng() >> 56);
  return v;
}

ContinuousParams Params(SampleMode mode, double h_per_bit, int alpha) {
  return ContinuousParams{mode, h_per_bit, alpha};
}

TEST_CASE("APT cutoffs match SP 800-90B's tables for alpha=2^-20") {
  // SP 800-90B (2018) 4.4.2: non-binary W=512, H = 0.5, 1, 2, 4, 8 bits per sample.
  CHECK(ComputeCutoffs(Params(SampleMode::kByte, 0.5 / 8, 20)).apt == 410);
  CHECK(ComputeCutoffs(Params(SampleMode::kByte, 1.0 / 8, 20)).apt == 311);
  CHECK(ComputeCutoffs(Params(SampleMode::kByte, 2.0 / 8, 20)).apt == 177);
  CHECK(ComputeCutoffs(Params(SampleMode::kByte, 4.0 / 8, 20)).apt == 62);
  CHECK(ComputeCutoffs(Params(SampleMode::kByte, 8.0 / 8, 20)).apt == 13);
  // Binary W=1024, H = 1.
  CHECK(ComputeCutoffs(Params(SampleMode::kBit, 1.0, 20)).apt == 589);
  CHECK(ComputeCutoffs(Params(SampleMode::kBit, 1.0, 40)).apt == 625);
}

TEST_CASE("RCT cutoff is 1 + ceil(-log2(alpha) / H)") {
  CHECK(ComputeCutoffs(Params(SampleMode::kBit, 1.0, 20)).rct == 21);
  CHECK(ComputeCutoffs(Params(SampleMode::kBit, 1.0, 40)).rct == 41);
  CHECK(ComputeCutoffs(Params(SampleMode::kBit, 0.5, 30)).rct == 61);
  CHECK(ComputeCutoffs(Params(SampleMode::kByte, 1.0, 40)).rct == 6);
  CHECK(ComputeCutoffs(Params(SampleMode::kByte, 0.75, 30)).rct == 6);  // ceil(30/6)=5
}

TEST_CASE("CritBinom brackets the tail probability") {
  // Binomial(1024, 1/2): P(X > c) <= 2^-40 < P(X > c-1).
  uint32_t c = CritBinom(1024, 0.5, 40);
  CHECK(c > 512);
  CHECK(c < 1024);
  CHECK(CritBinom(1024, 0.5, 20) < c);
}

// Bits as bytes, MSB first; `bits` is a string of '0'/'1' padded to whole bytes.
std::vector<uint8_t> FromBits(const std::string& bits) {
  std::vector<uint8_t> out((bits.size() + 7) / 8);
  for (size_t i = 0; i < bits.size(); ++i) {
    if (bits[i] == '1') out[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
  }
  return out;
}

std::string Alternating(size_t n, bool start_one = false) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += ((i % 2 == 0) == start_one) ? '1' : '0';
  return s;
}

TEST_CASE("bit RCT: a run of C-1 passes, a run of C fails, wherever it lies") {
  auto p = Params(SampleMode::kBit, 1.0, 40);  // C = 41
  for (size_t offset : {size_t{0}, size_t{5}, size_t{30}, size_t{63}, size_t{64}, size_t{100}}) {
    for (uint32_t run : {40u, 41u}) {
      std::string bits = Alternating(offset) + std::string(run, '1');
      // Make sure the run is delimited by different samples on both sides.
      if (!bits.empty() && offset > 0 && bits[offset - 1] == '1') bits[offset - 1] = '0';
      bits += Alternating(200 - (bits.size() % 8), false);  // a whole number of bytes
      ContinuousTests t(p);
      auto bytes = FromBits(bits);
      auto f = t.Feed(bytes);
      INFO("offset " << offset << " run " << run);
      if (run == 41) {
        REQUIRE(f.has_value());
        CHECK(f->test == "repetition_count");
      } else {
        CHECK_FALSE(f.has_value());
      }
    }
  }
}

TEST_CASE("bit RCT: a run spanning many feeds and words is seen") {
  ContinuousTests t(Params(SampleMode::kBit, 1.0, 40));
  auto head = FromBits("10101010" "10101010");
  CHECK_FALSE(t.Feed(head).has_value());
  std::vector<uint8_t> zeros(5, 0x00);  // 40 zero bits: passes
  CHECK_FALSE(t.Feed(std::span(zeros).first(3)).has_value());
  CHECK_FALSE(t.Feed(std::span(zeros).subspan(3)).has_value());
  std::vector<uint8_t> more = {0x7f};  // one more zero: 41
  std::vector<uint8_t> pad(16, 0x55);
  auto f = t.Feed(more);
  if (!f) f = t.Feed(pad);
  REQUIRE(f.has_value());
  CHECK(f->test == "repetition_count");
}

TEST_CASE("bit APT: cutoff-1 matches pass, cutoff matches fail") {
  auto p = Params(SampleMode::kBit, 1.0, 40);
  uint32_t c = ComputeCutoffs(p).apt;
  for (uint32_t ones : {c - 1, c}) {
    // A window of 1024 samples starting with 1 with exactly `ones` ones; the
    // zeros are spread evenly (Bresenham) so no run trips the RCT.
    uint32_t zeros = 1024 - ones;
    std::string bits(1024, '1');
    for (uint32_t i = 0; i < 1024; ++i) {
      if ((i + 1) * zeros / 1024 > i * zeros / 1024) bits[i] = '0';
    }
    REQUIRE(bits[0] == '1');
    REQUIRE(static_cast<uint32_t>(std::count(bits.begin(), bits.end(), '1')) == ones);
    ContinuousTests t(p);
    auto f = t.Feed(FromBits(bits));
    INFO("ones " << ones << " cutoff " << c);
    if (ones == c) {
      REQUIRE(f.has_value());
      CHECK(f->test == "adaptive_proportion");
    } else {
      CHECK_FALSE(f.has_value());
      CHECK(t.apt_verified_bytes() == 128);
      CHECK(t.windows_passed() == 1);
      CHECK(t.last_apt_count() == ones);  // the APT statistic of the window
    }
  }
}

TEST_CASE("statistics of the last passed window: longest run across blocks, APT count") {
  auto p = Params(SampleMode::kBit, 1.0, 40);  // C = 41, windows of 1024 samples
  for (size_t split : {size_t{1}, size_t{7}, size_t{128}}) {  // fed whole or in pieces
    // Window 1: a run of 30 ones from sample 50 (crossing the block boundary at 64).
    std::string w1 = Alternating(50, true) + std::string(30, '1');  // 1010...10 then 30 ones
    w1 += Alternating(1024 - w1.size(), false);
    std::string w2 = Alternating(1024);  // window 2: runs of 1
    ContinuousTests t(p);
    auto bytes = FromBits(w1);
    for (size_t i = 0; i < bytes.size(); i += split) {
      REQUIRE_FALSE(t.Feed(std::span(bytes).subspan(i, std::min(split, bytes.size() - i))));
    }
    INFO("split " << split);
    CHECK(t.windows_passed() == 1);
    CHECK(t.last_longest_run() == 30);
    CHECK(t.last_apt_count() == static_cast<uint32_t>(std::count(w1.begin(), w1.end(), '1')));
    REQUIRE_FALSE(t.Feed(FromBits(w2)));
    CHECK(t.windows_passed() == 2);
    CHECK(t.last_longest_run() <= 2);  // only runs that cross a block boundary are measured
    CHECK(t.last_apt_count() == 512);
    t.Reset();
    CHECK(t.windows_passed() == 2);  // counts survive a reset
  }
}

TEST_CASE("byte RCT and APT boundaries") {
  auto p = Params(SampleMode::kByte, 1.0, 40);  // RCT C = 6; APT C = 1 + critbinom(512, 1/256)
  auto c = ComputeCutoffs(p);
  auto good = RandomBytes(512, 7);
  for (uint32_t run : {c.rct - 1, c.rct}) {
    auto bytes = good;
    for (uint32_t i = 0; i < run; ++i) bytes[100 + i] = 0xA5;
    bytes[99] = 0x00;
    bytes[100 + run] = 0x01;
    ContinuousTests t(p);
    auto f = t.Feed(bytes);
    if (run == c.rct) {
      REQUIRE(f.has_value());
      CHECK(f->test == "repetition_count");
    }
  }
  for (uint32_t count : {c.apt - 1, c.apt}) {
    std::vector<uint8_t> w(512);
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<uint8_t>(1 + i % 200);
    for (uint32_t i = 0; i < count; ++i) w[i * 3] = 0xEE;  // spread: no runs
    ContinuousTests t(p);
    auto f = t.Feed(w);
    if (count == c.apt) {
      REQUIRE(f.has_value());
      CHECK(f->test == "adaptive_proportion");
    } else {
      CHECK_FALSE(f.has_value());
    }
  }
}

TEST_CASE("good random data passes, stuck and biased data fail") {
  for (SampleMode mode : {SampleMode::kBit, SampleMode::kByte}) {
    ContinuousTests good(Params(mode, 1.0, 40));
    CHECK_FALSE(good.Feed(RandomBytes(1 << 20)).has_value());
    ContinuousTests stuck(Params(mode, 1.0, 40));
    CHECK(stuck.Feed(std::vector<uint8_t>(1000, 0x00)).has_value());
  }
  // Stuck at 0xA5 (10100101...) has no long bit runs and balanced bits: bit
  // samples cannot see it (the byte-level total failure test does), byte samples do.
  ContinuousTests bits(Params(SampleMode::kBit, 1.0, 40));
  CHECK_FALSE(bits.Feed(std::vector<uint8_t>(1000, 0xA5)).has_value());
  ContinuousTests bytes(Params(SampleMode::kByte, 1.0, 40));
  CHECK(bytes.Feed(std::vector<uint8_t>(1000, 0xA5)).has_value());
  // p(1) = 0.75 bits claimed as H = 1: the bit APT must catch it. (A mild bias
  // such as 0.55 is for the startup and offline statistical tests: the APT
  // only guards against large entropy losses, by design.)
  std::mt19937_64 rng(3);
  std::bernoulli_distribution one(0.75);
  std::vector<uint8_t> biased(1 << 16);
  for (auto& b : biased) {
    for (int i = 0; i < 8; ++i) b = static_cast<uint8_t>((b << 1) | one(rng));
  }
  ContinuousTests t(Params(SampleMode::kBit, 1.0, 40));
  auto f = t.Feed(biased);
  REQUIRE(f.has_value());
  CHECK(f->test == "adaptive_proportion");
}

}  // namespace
}  // namespace egd
