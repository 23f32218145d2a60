// Known-answer tests for AIS 31 T0-T5 at every bound, and crafted streams.
#include "eval/ais31.h"

#include <catch2/catch.hpp>
#include <random>

#include "eval/test_util.h"

namespace egdstat {
namespace {

using testing::BlockFromNibbleCounts;
using testing::BlockWithOnes;
using testing::BlockWithRuns;
using testing::NibbleCountsWithSquares;
using testing::Pack;
using testing::RandomBytes;
using testing::RunCountsAt;
using testing::Unpack;

std::vector<uint8_t> BlockWithLongRun(uint32_t length) {
  std::vector<int> bits = Unpack(RandomBytes(kBlockBytes, 9));
  bits[9999] = 1;
  for (uint32_t i = 0; i < length; ++i) bits[10000 + i] = 0;
  bits[10000 + length] = 1;
  return Pack(bits);
}

uint32_t NaiveZ(const std::vector<int>& bits, size_t start, size_t tau) {
  uint32_t z = 0;
  for (size_t j = start; j < start + 5000; ++j) z += bits[j] ^ bits[j + tau];
  return z;
}

// First half: b[j+1] = b[j] xor e with P(e) = 0.1, so tau = 1 has the largest
// |Z - 2500|. Second half: exactly `z` changes among bits 10000..15000, so
// Z_1 there is z.
std::vector<uint8_t> BlockWithSecondHalfZ(uint32_t z) {
  std::vector<int> bits = Unpack(RandomBytes(kBlockBytes, 13));
  std::mt19937_64 gen(17);
  std::bernoulli_distribution flip(0.1);
  for (size_t j = 1; j < 10000; ++j) bits[j] = bits[j - 1] ^ int(flip(gen));
  bits[10000] = 0;
  for (size_t j = 0; j < 5000; ++j) bits[10001 + j] = bits[10000 + j] ^ int(j < z);
  return Pack(bits);
}

}  // namespace

TEST_CASE("AIS T0: distinct 48-bit words pass, one repeated word fails") {
  std::vector<uint8_t> data = RandomBytes(ais31::kT0Bytes, 5);
  CHECK(ais31::T0Disjointness(data).pass);
  std::copy(data.begin(), data.begin() + 6, data.end() - 6);  // word 65535 = word 0
  const TestResult t = ais31::T0Disjointness(data);
  CHECK_FALSE(t.pass);
  CHECK(t.stats[0].value == 1);
}

TEST_CASE("AIS T1 passes only for 9654 < ones < 10346") {
  CHECK_FALSE(ais31::T1Monobit(BlockWithOnes(9654)).pass);
  CHECK(ais31::T1Monobit(BlockWithOnes(9655)).pass);
  CHECK(ais31::T1Monobit(BlockWithOnes(10345)).pass);
  CHECK_FALSE(ais31::T1Monobit(BlockWithOnes(10346)).pass);
}

TEST_CASE("AIS T2 passes only for 1.03 < X < 57.4") {
  // S even: X(1562820) = 1.024, X(1562822) = 1.0304, X(1580436) = 57.3952, X(1580438) = 57.4016.
  const auto t2 = [](uint64_t s) { return ais31::T2Poker(BlockFromNibbleCounts(NibbleCountsWithSquares(s))); };
  CHECK_FALSE(t2(1562820).pass);
  CHECK(t2(1562822).pass);
  CHECK(t2(1580436).pass);
  CHECK_FALSE(t2(1580438).pass);
  CHECK(t2(1562822).stats[0].value == Approx(1.0304));
  CHECK(t2(1580436).stats[0].value == Approx(57.3952));
}

TEST_CASE("AIS T3: each of the 12 counts at both ends of its interval") {
  const std::array<uint32_t, 6> lo = {2267, 1079, 502, 223, 90, 90};
  const std::array<uint32_t, 6> hi = {2733, 1421, 748, 402, 223, 223};
  for (int bit = 0; bit < 2; ++bit) {
    for (int i = 0; i < 6; ++i) {
      for (uint32_t v : {lo[i] - 1, lo[i], hi[i], hi[i] + 1}) {
        CAPTURE(bit, i, v);
        const auto runs = RunCountsAt(bit, i, v);
        const std::vector<uint8_t> block = BlockWithRuns(runs);
        REQUIRE(block.size() == kBlockBytes);
        REQUIRE(CountRuns(block).runs == runs);
        CHECK(ais31::T3Runs(block).pass == (lo[i] <= v && v <= hi[i]));
      }
    }
  }
}

TEST_CASE("AIS T4: a run of 33 passes, 34 fails") {
  CHECK(CountRuns(BlockWithLongRun(33)).longest == 33);
  CHECK(ais31::T4LongRun(BlockWithLongRun(33)).pass);
  CHECK(CountRuns(BlockWithLongRun(34)).longest == 34);
  CHECK_FALSE(ais31::T4LongRun(BlockWithLongRun(34)).pass);
}

TEST_CASE("AIS T5: the 64-bit Z_tau equals the bit-by-bit sum") {
  const std::vector<uint8_t> block = RandomBytes(kBlockBytes, 21);
  const std::vector<int> bits = Unpack(block);
  const std::vector<uint64_t> packed = BitView(block).Pack(0, kBlockBits);
  for (size_t tau : {1, 2, 7, 63, 64, 65, 127, 128, 1000, 4095, 4999, 5000}) {
    CAPTURE(tau);
    CHECK(ais31::AutocorrelationZ(packed, 0, tau) == NaiveZ(bits, 0, tau));
    CHECK(ais31::AutocorrelationZ(packed, 10000, tau) == NaiveZ(bits, 10000, tau));
  }
}

TEST_CASE("AIS T5 passes only for 2326 < Z < 2674 on the second half") {
  for (uint32_t z : {2326u, 2327u, 2673u, 2674u}) {
    CAPTURE(z);
    const TestResult t = ais31::T5Autocorrelation(BlockWithSecondHalfZ(z));
    REQUIRE(t.stats[0].name == "Z(tau=1)");
    CHECK(t.stats[0].value == z);
    CHECK(t.pass == (z == 2327 || z == 2673));
  }
}

TEST_CASE("AIS T1-T5: good data passes") {
  for (uint64_t seed = 100; seed < 104; ++seed) {
    for (const TestResult& t : ais31::BlockTests(RandomBytes(kBlockBytes, seed))) {
      CAPTURE(seed, t.name);
      CHECK(t.pass);
    }
  }
}

TEST_CASE("AIS T1-T5: crafted streams fail the tests that should catch them") {
  auto failing = [](const std::vector<uint8_t>& block) {
    std::vector<std::string> names;
    for (const TestResult& t : ais31::BlockTests(block)) {
      if (!t.pass) names.push_back(t.name);
    }
    return names;
  };
  using V = std::vector<std::string>;
  const V all = {"T1 monobit", "T2 poker", "T3 runs", "T4 long run", "T5 autocorrelation"};
  CHECK(failing(std::vector<uint8_t>(kBlockBytes, 0x00)) == all);
  CHECK(failing(std::vector<uint8_t>(kBlockBytes, 0xFF)) == all);
  CHECK(failing(std::vector<uint8_t>(kBlockBytes, 0xA5)) == V{"T2 poker", "T3 runs", "T5 autocorrelation"});
  CHECK(failing(std::vector<uint8_t>(kBlockBytes, 0x55)) == V{"T2 poker", "T3 runs", "T5 autocorrelation"});
  // p(1) = 0.55: ~11,000 ones, and the nibble frequencies skew with it.
  const V biased = failing(testing::BiasedBytes(kBlockBytes, 0.55, 4));
  CHECK(biased.at(0) == "T1 monobit");
  CHECK(biased.at(1) == "T2 poker");
  // Every byte twice: bits 8 apart agree half the time, Z_8 is near 1250.
  std::vector<uint8_t> dup = RandomBytes(kBlockBytes, 6);
  for (size_t i = 1; i < dup.size(); i += 2) dup[i] = dup[i - 1];
  const TestResult t5 = ais31::T5Autocorrelation(dup);
  CHECK_FALSE(t5.pass);
  CHECK(t5.stats[0].name == "Z(tau=8)");
}

// --- k-bit internal random numbers ------------------------------------------

namespace {

// The bits of `samples` (k each, most significant first), one int per bit.
std::vector<int> SampleBits(const std::vector<uint8_t>& samples, unsigned k) {
  std::vector<int> bits;
  for (uint8_t s : samples) {
    for (int j = static_cast<int>(k) - 1; j >= 0; --j) bits.push_back((s >> j) & 1);
  }
  return bits;
}

std::vector<uint8_t> RandomSamples(size_t n, unsigned k, uint64_t seed) {
  std::vector<uint8_t> s = RandomBytes(n, seed);
  for (uint8_t& v : s) v = static_cast<uint8_t>(v >> (8 - k));
  return s;
}

}  // namespace

TEST_CASE("AIS k-bit layout: c = ceil(48/k) numbers a T0 word, ceil(20000/k) a block") {
  const unsigned word[] = {48, 24, 16, 12, 10, 8, 7, 6};
  const size_t block[] = {20000, 10000, 6667, 5000, 4000, 3334, 2858, 2500};
  for (unsigned k = 1; k <= 8; ++k) {
    CAPTURE(k);
    const ais31::SampleLayout l = ais31::LayoutFor(k);
    CHECK(l.word_samples == word[k - 1]);
    CHECK(l.block_samples == block[k - 1]);
    CHECK(l.t0_samples() == 65536 * word[k - 1]);
  }
}

TEST_CASE("AIS k-bit packing: the first 48 / 20,000 bits of the concatenated numbers") {
  // A naive bit-by-bit reading of the layout, compared with the packed words and blocks.
  for (unsigned k : {1u, 3u, 4u, 5u, 7u, 8u}) {
    CAPTURE(k);
    const ais31::SampleLayout l = ais31::LayoutFor(k);
    const std::vector<uint8_t> samples = RandomSamples(l.t0_samples() + 3 * l.block_samples, k, 40 + k);
    std::vector<int> t0;
    for (size_t i = 0; i < ais31::kT0Words; ++i) {
      const auto first = samples.begin() + static_cast<long>(i * l.word_samples);
      const std::vector<int> bits = SampleBits({first, first + static_cast<long>(l.word_samples)}, k);
      t0.insert(t0.end(), bits.begin(), bits.begin() + 48);
    }
    CHECK(ais31::PackT0Words(samples, l) == Pack(t0));
    for (size_t j = 0; j < 3; ++j) {
      const auto first = samples.begin() + static_cast<long>(l.t0_samples() + j * l.block_samples);
      std::vector<int> bits = SampleBits({first, first + static_cast<long>(l.block_samples)}, k);
      bits.resize(kBlockBits);
      const std::vector<uint8_t> packed =
          ais31::PackBlock(std::span(samples).subspan(l.t0_samples() + j * l.block_samples), l);
      CHECK(packed == Pack(bits));
    }
  }
  // k = 8 is the byte stream itself.
  const std::vector<uint8_t> bytes = RandomBytes(ais31::kT0Bytes, 48);
  CHECK(ais31::PackT0Words(bytes, ais31::LayoutFor(8)) == bytes);
}

TEST_CASE("AIS k-bit T0: the bits past the 48th of a word are not compared") {
  // k = 7: a word is 7 numbers, 49 bits; the last number's last bit is dropped.
  const ais31::SampleLayout l = ais31::LayoutFor(7);
  std::vector<uint8_t> samples = RandomSamples(l.t0_samples(), 7, 49);
  CHECK(ais31::T0Disjointness(ais31::PackT0Words(samples, l)).pass);
  std::copy(samples.begin(), samples.begin() + 7, samples.begin() + 7);  // word 1 = word 0
  samples[13] ^= 1;  // ... but for bit 49
  CHECK_FALSE(ais31::T0Disjointness(ais31::PackT0Words(samples, l)).pass);
  samples[13] ^= 1;
  samples[12] ^= 1;  // bit 42 of word 1 differs: tested
  CHECK(ais31::T0Disjointness(ais31::PackT0Words(samples, l)).pass);
}

}  // namespace egdstat
