// Deterministic data for the egdstat unit tests: a fixed-seed mt19937_64
// stands in for a good source (never /dev/urandom, so runs are repeatable),
// plus builders for crafted bit streams. Test-only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace egdstat::testing {

inline std::vector<uint8_t> RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = gen();
    for (size_t b = 0; b < 8 && i + b < n; ++b) out[i + b] = static_cast<uint8_t>(v >> (8 * b));
  }
  return out;
}

// Each bit 1 with probability p, independently.
inline std::vector<uint8_t> BiasedBytes(size_t n, double p, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::bernoulli_distribution one(p);
  std::vector<uint8_t> out(n, 0);
  for (size_t i = 0; i < n * 8; ++i) {
    if (one(gen)) out[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
  }
  return out;
}

// Packs 0/1 values, most significant bit first; the length must be a multiple of 8.
inline std::vector<uint8_t> Pack(const std::vector<int>& bits) {
  std::vector<uint8_t> out(bits.size() / 8, 0);
  for (size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) out[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
  }
  return out;
}

inline std::vector<int> Unpack(const std::vector<uint8_t>& bytes) {
  std::vector<int> bits(bytes.size() * 8);
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = (bytes[i / 8] >> (7 - i % 8)) & 1;
  return bits;
}

// A 20,000-bit block with exactly `ones` ones, spread evenly.
inline std::vector<uint8_t> BlockWithOnes(uint32_t ones) {
  std::vector<int> bits(20000, 0);
  for (uint32_t k = 0; k < ones; ++k) bits[static_cast<size_t>(k) * 20000 / ones] = 1;
  return Pack(bits);
}

// Nibble counts (summing to 5000) whose sum of squares is exactly `target`
// (even, >= 1562504, the most balanced value), found greedily.
std::array<uint32_t, 16> NibbleCountsWithSquares(uint64_t target);
// A 20,000-bit block with those nibble counts.
std::vector<uint8_t> BlockFromNibbleCounts(const std::array<uint32_t, 16>& counts);

// A 20,000-bit block with exactly these run counts: runs[bit][len-1], index 5
// = runs of 6+ (lengthened as needed to fill the block). Both bits must have
// the same number of runs. Returns an empty vector when the counts do not fit.
std::vector<uint8_t> BlockWithRuns(const std::array<std::array<uint32_t, 6>, 2>& runs);

// Typical run counts (both bits: 2500, 1250, 625, 312, 156, 115) with
// runs[bit][index] set to `value`; the change is balanced within the same bit
// (on lengths 2 and 3 for index 0 and 5, on length 1 otherwise) so both bits
// keep the same number of runs.
inline std::array<std::array<uint32_t, 6>, 2> RunCountsAt(int bit, int index, uint32_t value) {
  const std::array<uint32_t, 6> base = {2500, 1250, 625, 312, 156, 115};
  std::array<std::array<uint32_t, 6>, 2> runs = {base, base};
  const int64_t delta = int64_t{value} - base[index];
  runs[bit][index] = value;
  if (index == 0 || index == 5) {
    runs[bit][1] = static_cast<uint32_t>(base[1] - delta / 2 - delta % 2);
    runs[bit][2] = static_cast<uint32_t>(base[2] - delta / 2);
  } else {
    runs[bit][0] = static_cast<uint32_t>(base[0] - delta);
  }
  return runs;
}

}  // namespace egdstat::testing
