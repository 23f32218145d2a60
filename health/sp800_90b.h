// NIST SP 800-90B section 4.4 continuous health tests on raw noise samples:
// the repetition count test (RCT) and the adaptive proportion test (APT).
//
// Samples are bits (SampleMode::kBit, each byte read most significant bit
// first) or whole bytes (kByte). Cutoffs follow 4.4.1 and 4.4.2 from the
// assessed min-entropy H per sample and the false positive probability
// alpha = 2^-alpha_exponent:
//   RCT: C = 1 + ceil(alpha_exponent / H)
//   APT: window W = 1024 (bit) or 512 (byte); C = 1 + the smallest c with
//        P(X <= c) >= 1 - alpha for X ~ Binomial(W, 2^-H)  (CRITBINOM)
// Pure and single-threaded; the testers are built for speed (64-bit words in
// bit mode) so that they never limit a fast source.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace egd {

enum class SampleMode { kBit, kByte };

struct ContinuousParams {
  SampleMode mode = SampleMode::kBit;
  double entropy_per_bit = 1.0;  // H per sample = this (bit) or 8 x this (byte), capped at 1 or 8
  int alpha_exponent = 40;       // alpha = 2^-alpha_exponent
};

struct Cutoffs {
  uint32_t rct = 0;         // a run of this many identical samples fails
  uint32_t apt = 0;         // this many matches of the window's first sample fails
  uint32_t apt_window = 0;  // samples per APT window
};

double SampleEntropy(const ContinuousParams& p);
Cutoffs ComputeCutoffs(const ContinuousParams& p);
// Smallest c with P(X <= c) >= 1 - 2^-alpha_exponent, X ~ Binomial(n, prob).
uint32_t CritBinom(uint32_t n, double prob, int alpha_exponent);

struct ContinuousFailure {
  std::string test;    // "repetition_count" or "adaptive_proportion"
  std::string detail;
};

// Runs both tests over a byte stream fed in pieces of any size.
class ContinuousTests {
 public:
  explicit ContinuousTests(const ContinuousParams& params);
  ~ContinuousTests();  // wipes the partial block
  ContinuousTests(const ContinuousTests&) = default;
  ContinuousTests& operator=(const ContinuousTests&) = default;

  // Tests `bytes`; returns the first failure. After a failure call Reset().
  std::optional<ContinuousFailure> Feed(std::span<const uint8_t> bytes);
  // Starts new windows; wipes the raw bytes of an incomplete block.
  void Reset();

  const Cutoffs& cutoffs() const { return cutoffs_; }
  // Bytes whose every covering APT window has completed and passed.
  uint64_t apt_verified_bytes() const { return apt_done_bytes_; }
  // Windows (apt_window samples) that passed both tests, ever (Reset keeps it).
  uint64_t windows_passed() const { return windows_passed_; }
  // Of the last window that passed: matches of its first sample (the APT
  // statistic), and the longest run of identical samples, counted where runs
  // cross a 64-sample block boundary (a lower bound that the hot loop gets for
  // free; exact for runs longer than a block, the ones near a cutoff).
  uint32_t last_apt_count() const { return last_apt_count_; }
  uint64_t last_longest_run() const { return last_longest_run_; }

 private:
  enum class Verdict { kPass, kRct, kApt };

  // Tests one block: 8 bytes = 64 bit samples, or 64 byte samples.
  Verdict TestBlock(const uint8_t* block);
  Verdict TestBlocks(const uint8_t* blocks, size_t n);
  Verdict TestBitBlocks(const uint8_t* words, size_t n);  // same as TestBlocks, faster
  Verdict TestBitBlock(uint64_t word);
  Verdict TestByteBlock(const uint8_t* block);
  Verdict RctRelations(uint64_t same);  // 64 "sample equals the one before" flags, MSB first
  void WindowPassed(uint32_t count, uint64_t run);
  ContinuousFailure Describe(Verdict verdict) const;

  ContinuousParams params_;
  Cutoffs cutoffs_;
  size_t block_bytes_;  // 8 (bit samples) or 64 (byte samples)
  // RCT: consecutive "equal to the previous sample" relations ending at the
  // last sample seen (a run of n identical samples has n - 1 of them).
  uint64_t equal_run_ = 0;
  int last_sample_ = -1;  // -1: none yet
  // APT: the window's first sample, matches so far, samples so far.
  int apt_first_ = -1;
  uint32_t apt_count_ = 0;
  uint32_t apt_seen_ = 0;
  uint64_t apt_done_bytes_ = 0;
  uint64_t bytes_in_ = 0;
  // Statistics (see last_apt_count); window_run_ is in "equal" relations.
  uint64_t windows_passed_ = 0;
  uint64_t window_run_ = 0;
  uint64_t last_longest_run_ = 0;
  uint32_t last_apt_count_ = 0;
  // Only whole blocks are tested; the bytes of an incomplete one wait here.
  std::array<uint8_t, 64> partial_{};
  size_t partial_len_ = 0;
};

}  // namespace egd
