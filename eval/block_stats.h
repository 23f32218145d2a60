// Counting primitives shared by the FIPS 140-2 and AIS 31 block tests: ones,
// 4-bit (nibble) frequencies, runs and the longest run of a byte block read
// most significant bit first. The tests differ only in their bounds.
// Pure functions; no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "eval/test_result.h"

namespace egdstat {

inline constexpr size_t kBlockBits = 20000;  // the 20,000-bit sample of FIPS 140 and AIS 31 T1-T5
inline constexpr size_t kBlockBytes = kBlockBits / 8;

uint32_t CountOnes(std::span<const uint8_t> bytes);

// f(i) for i = 0..15 over consecutive 4-bit segments, high nibble first.
std::array<uint32_t, 16> NibbleCounts(std::span<const uint8_t> bytes);
uint64_t SumOfSquares(const std::array<uint32_t, 16>& counts);

// The poker statistic X = 16/5000 * S - 5000 for a 20,000-bit block with
// sum of squares S, and its exact test lo < X < hi with lo and hi given in
// hundredths (2.16 -> 216), decided in integers.
double PokerX(uint64_t sum_of_squares);
bool PokerWithin(uint64_t sum_of_squares, int64_t lo_centi, int64_t hi_centi);

struct RunCounts {
  // runs[bit][len - 1]: runs of `bit` of length len = 1..5; index 5 counts 6 and longer.
  std::array<std::array<uint32_t, 6>, 2> runs{};
  uint32_t longest = 0;  // the longest run of either bit
};
RunCounts CountRuns(std::span<const uint8_t> bytes);

// Result builders for the tests FIPS 140 and AIS 31 share (bounds differ).
// Monobit: lo < ones < hi.
TestResult MonobitResult(std::string name, std::span<const uint8_t> block, uint32_t lo, uint32_t hi);
// Poker: lo < X < hi, bounds in hundredths.
TestResult PokerResult(std::string name, std::span<const uint8_t> block, int64_t lo_centi, int64_t hi_centi);
// Runs: lo[i] <= count <= hi[i] for both bits and every length class.
TestResult RunsResult(std::string name, std::span<const uint8_t> block, const std::array<uint32_t, 6>& lo,
                      const std::array<uint32_t, 6>& hi);
// Long run: fails when a run of `fail_length` or more bits occurs.
TestResult LongRunResult(std::string name, std::span<const uint8_t> block, uint32_t fail_length);

}  // namespace egdstat
