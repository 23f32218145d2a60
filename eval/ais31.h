// The statistical tests T0-T8 of BSI AIS 31 (Killmann & Schindler, "A
// proposal for: Functionality classes and evaluation methodology for true
// (physical) random number generators", 2001). docs/egd-eval.md lists where
// each constant comes from and what could not be checked against the text.
//
// Procedure A tests (T1-T5 on one 20,000-bit block of kBlockBytes bytes):
//   T0 disjointness   2^16 48-bit words, all different
//   T1 monobit        9654 < X < 10346
//   T2 poker          1.03 < X < 57.4
//   T3 runs           12 counts in closed intervals 2267-2733, 1079-1421,
//                     502-748, 223-402, 90-223, 90-223
//   T4 long run       no run of 34 or more bits
//   T5 autocorrelation  tau = argmax |Z_tau - 2500| over tau = 1..5000 on bits
//                     1..10,000; then 2326 < Z_tau < 2674 on bits 10,001..20,000
// Procedure B tests consume a BitCursor in the order the procedure reads:
//   T6a  uniform distribution, k = 1, n = 100,000, a = 0.025
//   T6b  transitions from disjoint pairs: |nu(0,1) + nu(1,0) - 1| < 0.02
//   T7a/b homogeneity (chi-square, 1 degree of freedom) of the bit following
//        2- and 3-bit prefixes that differ in their first bit; reject > 15.13
//   T8   Coron's entropy test, L = 8, Q = 2560, K = 256,000; pass > 7.976
// Bits are read most significant first. Pure functions; no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "eval/bits.h"
#include "eval/block_stats.h"
#include "eval/test_result.h"

namespace egdstat::ais31 {

inline constexpr size_t kT0Words = 65536;
inline constexpr size_t kT0Bytes = kT0Words * 6;  // 48-bit words: 3,145,728 bits

TestResult T0Disjointness(std::span<const uint8_t> bytes);  // exactly kT0Bytes
TestResult T1Monobit(std::span<const uint8_t> block);
TestResult T2Poker(std::span<const uint8_t> block);
TestResult T3Runs(std::span<const uint8_t> block);
TestResult T4LongRun(std::span<const uint8_t> block);
TestResult T5Autocorrelation(std::span<const uint8_t> block);
// T1-T5 on one block, in that order.
std::vector<TestResult> BlockTests(std::span<const uint8_t> block);

// --- Procedure A on k-bit internal random numbers --------------------------
// AIS 31 (2011) applies procedure A to the internal random numbers. For k-bit
// numbers (1 <= k <= 8, one per byte, bits above k ignored: the caller checks
// them) it reads, as BSI's reference implementation and AnotherAIS31TestTool
// do (docs/egd-eval.md, "k-bit samples"):
//   T0     word i = the first 48 bits of numbers i*c .. i*c+c-1, c = ceil(48/k)
//   T1-T5  block j = the first 20,000 bits of ceil(20000/k) consecutive numbers
// each number's k bits most significant first, concatenated; bits past the
// 48th of a word or the 20,000th of a block are not tested. With k = 8 this is
// the byte stream itself, read MSB first.
struct SampleLayout {
  unsigned bits = 8;             // k
  size_t word_samples = 6;       // c = ceil(48/k)
  size_t block_samples = 2500;   // ceil(20000/k)
  size_t t0_samples() const { return kT0Words * word_samples; }
};
SampleLayout LayoutFor(unsigned bits);
// T0's 65,536 words packed MSB first (kT0Bytes bytes) from layout.t0_samples() numbers.
std::vector<uint8_t> PackT0Words(std::span<const uint8_t> samples, const SampleLayout& layout);
// One T1-T5 block (kBlockBytes bytes) from layout.block_samples numbers.
std::vector<uint8_t> PackBlock(std::span<const uint8_t> samples, const SampleLayout& layout);

// Z_tau = sum_{j=0}^{4999} b[start+j] xor b[start+j+tau] over bits packed by
// BitView::Pack (64-bit XOR and popcount).
uint32_t AutocorrelationZ(const std::vector<uint64_t>& packed, size_t start, size_t tau);

// --- Procedure B ---------------------------------------------------------

inline constexpr size_t kT6aBits = 100000;
inline constexpr uint32_t kPerClass = 100000;  // tuples collected per prefix (T6b, T7)
inline constexpr unsigned kT8L = 8;
inline constexpr size_t kT8Q = 2560;
inline constexpr size_t kT8K = 256000;

TestResult T6aUniform(BitCursor& cursor);

// Disjoint (prefix_bits + 1)-bit tuples read until every prefix class holds
// `per_class` tuples; tuples whose class is full are read and dropped.
// Reading stops early, leaving `complete` false, when the data ends or after
// `max_tuples` tuples (a class the source (almost) never produces).
struct Collection {
  unsigned prefix_bits = 0;
  uint32_t per_class = 0;
  std::vector<std::array<uint64_t, 2>> counts;  // counts[prefix][next bit]
  size_t tuples = 0;                            // tuples read
  bool complete = false;
  bool data_ended = false;
  uint64_t ClassSize(size_t prefix) const { return counts[prefix][0] + counts[prefix][1]; }
};
Collection Collect(BitCursor& cursor, unsigned prefix_bits, uint32_t per_class, size_t max_tuples);
// The cap egd-eval uses: twice what an ideal source needs, so a class
// starves only when its prefix is less than half as frequent as it should be.
size_t DefaultMaxTuples(unsigned prefix_bits, uint32_t per_class);

// T6b on a complete 1-bit-prefix collection (or a starved one: it fails).
TestResult T6bTransitions(const Collection& pairs);
// The T7 statistic for two samples: sum over t of (a_t - b_t)^2 / (a_t + b_t).
double HomogeneityChi2(const std::array<uint64_t, 2>& a, const std::array<uint64_t, 2>& b);
// T7 on a 2-bit (T7a: 2 tests) or 3-bit (T7b: 4 tests) prefix collection:
// class w against class w with its first bit flipped.
std::vector<TestResult> T7Homogeneity(const Collection& tuples);

// Coron's f_C over the first (Q + K) L-bit words of `bits`.
double CoronEntropy(BitView bits, unsigned L, size_t Q, size_t K);
TestResult T8Entropy(BitCursor& cursor);

}  // namespace egdstat::ais31
