// AIS 31 procedure A tests T0-T5 (see ais31.h).
#include "eval/ais31.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdlib>

namespace egdstat::ais31 {
namespace {

constexpr size_t kHalf = kBlockBits / 2;  // 10,000: T5 picks tau on the first half, tests the second
constexpr size_t kZBits = 5000;           // bits summed in one Z_tau
constexpr size_t kMaxTau = 5000;

// tau in 1..5000 with the largest |Z_tau - 2500| on the first half; the
// smallest such tau on ties (the BSI implementation draws one at random).
size_t PickTau(const std::vector<uint64_t>& packed) {
  size_t best_tau = 1;
  uint32_t best_dev = 0;
  for (size_t tau = 1; tau <= kMaxTau; ++tau) {
    const int z = static_cast<int>(AutocorrelationZ(packed, 0, tau));
    const auto dev = static_cast<uint32_t>(std::abs(z - 2500));
    if (dev > best_dev) {
      best_dev = dev;
      best_tau = tau;
    }
  }
  return best_tau;
}

}  // namespace

TestResult T0Disjointness(std::span<const uint8_t> bytes) {
  assert(bytes.size() == kT0Bytes);
  std::vector<uint64_t> words(kT0Words);
  for (size_t i = 0; i < kT0Words; ++i) {
    uint64_t w = 0;
    for (size_t b = 0; b < 6; ++b) w = (w << 8) | bytes[i * 6 + b];
    words[i] = w;
  }
  std::sort(words.begin(), words.end());
  uint32_t duplicates = 0;
  for (size_t i = 1; i < kT0Words; ++i) duplicates += words[i] == words[i - 1];
  return MakeTest("T0 disjointness",
                  {MakeStatistic("repeated 48-bit words", duplicates, Interval{0, 0, true}, duplicates == 0)},
                  "65536 words of 48 bits");
}

TestResult T1Monobit(std::span<const uint8_t> block) { return MonobitResult("T1 monobit", block, 9654, 10346); }

TestResult T2Poker(std::span<const uint8_t> block) { return PokerResult("T2 poker", block, 103, 5740); }

TestResult T3Runs(std::span<const uint8_t> block) {
  return RunsResult("T3 runs", block, {2267, 1079, 502, 223, 90, 90}, {2733, 1421, 748, 402, 223, 223});
}

TestResult T4LongRun(std::span<const uint8_t> block) { return LongRunResult("T4 long run", block, 34); }

uint32_t AutocorrelationZ(const std::vector<uint64_t>& packed, size_t start, size_t tau) {
  uint32_t z = 0;
  size_t j = 0;
  for (; j + 64 <= kZBits; j += 64) {
    z += static_cast<uint32_t>(std::popcount(Load64(packed, start + j) ^ Load64(packed, start + j + tau)));
  }
  const unsigned rest = kZBits - j;  // 5000 = 78 * 64 + 8
  const uint64_t mask = ~uint64_t{0} << (64 - rest);
  z += static_cast<uint32_t>(std::popcount((Load64(packed, start + j) ^ Load64(packed, start + j + tau)) & mask));
  return z;
}

TestResult T5Autocorrelation(std::span<const uint8_t> block) {
  assert(block.size() == kBlockBytes);
  const std::vector<uint64_t> packed = BitView(block).Pack(0, kBlockBits);
  const size_t tau = PickTau(packed);
  const uint32_t z = AutocorrelationZ(packed, kHalf, tau);
  return MakeTest("T5 autocorrelation",
                  {MakeStatistic("Z(tau=" + std::to_string(tau) + ")", z, Interval{2326, 2674, false},
                                 2326 < z && z < 2674)},
                  "tau " + std::to_string(tau) + " chosen on bits 1-10000");
}

std::vector<TestResult> BlockTests(std::span<const uint8_t> block) {
  return {T1Monobit(block), T2Poker(block), T3Runs(block), T4LongRun(block), T5Autocorrelation(block)};
}

namespace {

// Appends the first `nbits` (a multiple of 8) of the concatenated k-bit
// numbers to `out`, packed MSB first; the rest of the last number is dropped.
void AppendFirstBits(std::span<const uint8_t> samples, unsigned k, size_t nbits, std::vector<uint8_t>& out) {
  assert(nbits % 8 == 0 && samples.size() * k >= nbits);
  const uint32_t mask = (1u << k) - 1;
  uint32_t acc = 0;  // holds `have` < 8 + k unread bits
  unsigned have = 0;
  for (size_t i = 0; nbits > 0; ++i) {
    acc = (acc << k) | (samples[i] & mask);
    have += k;
    for (; have >= 8 && nbits > 0; nbits -= 8) {
      have -= 8;
      out.push_back(static_cast<uint8_t>(acc >> have));
    }
    acc &= (1u << have) - 1;
  }
}

}  // namespace

SampleLayout LayoutFor(unsigned bits) {
  assert(bits >= 1 && bits <= 8);
  return {bits, (48 + bits - 1) / bits, (kBlockBits + bits - 1) / bits};
}

std::vector<uint8_t> PackT0Words(std::span<const uint8_t> samples, const SampleLayout& layout) {
  assert(samples.size() >= layout.t0_samples());
  std::vector<uint8_t> out;
  out.reserve(kT0Bytes);
  for (size_t i = 0; i < kT0Words; ++i) {
    AppendFirstBits(samples.subspan(i * layout.word_samples, layout.word_samples), layout.bits, 48, out);
  }
  return out;
}

std::vector<uint8_t> PackBlock(std::span<const uint8_t> samples, const SampleLayout& layout) {
  std::vector<uint8_t> out;
  out.reserve(kBlockBytes);
  AppendFirstBits(samples.first(layout.block_samples), layout.bits, kBlockBits, out);
  return out;
}

}  // namespace egdstat::ais31
