// Whole evaluations of a capture: AIS 31 procedures A and B with the
// one-retry rule, and the FIPS 140-2 block tests. Each lays its tests over
// the data the way the standard reads it (docs/egd-eval.md):
//
//   A     T0 on the first 3,145,728 bits, then T1-T5 on each of 257
//         consecutive 20,000-bit blocks: 1,035,716 bytes per attempt.
//         Of the 1,286 basic tests (T0 and 257 x T1-T5) none may fail, and
//         if exactly one does (T0 included), A is run once more on the next
//         1,035,716 bytes, where none may fail. With k-bit samples (one per
//         byte, k < 8) T0 and T1-T5 read the samples' bits as
//         ais31::SampleLayout says: ProcedureABytes(k) bytes per attempt.
//   B     from one bit cursor: T6a (100,000 bits), T6b (pairs), T7a
//         (triples), T7b (quadruples), T8 (2,068,480 bits): 9 basic tests,
//         at least 871,060 bytes per attempt; the same one-retry rule on
//         the bits that follow.
//   fips  the first 20,000 bits (2,500 bytes): monobit, poker, runs, long
//         run, continuous test; no retry.
//
// Tests run on whatever data there is, so a definite failure is reported
// even for a short file; a verdict that needs more data says how much.
// Pure; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "eval/fips140.h"
#include "eval/test_result.h"

namespace egdstat {

enum class Verdict { kPass, kFail, kNeedMoreData };

// A test run once per block (procedure A's T1-T5), summarised.
struct RepeatedTest {
  std::string name;
  size_t runs = 0;
  size_t failures = 0;
  size_t worst_block = 0;  // the block with the statistic closest to / furthest past its bounds
  Statistic worst;
};

struct BlockFailure {
  size_t block = 0;  // 0-based within the attempt
  std::string test;
  Statistic statistic;  // the failing (worst) statistic
};

struct Attempt {
  size_t first_bit = 0;  // where the attempt starts in the data
  size_t bits_used = 0;
  std::vector<TestResult> tests;       // tests run once (T0; B's tests; FIPS)
  std::vector<RepeatedTest> repeated;  // A's T1-T5 over the blocks
  std::vector<BlockFailure> block_failures;
  size_t basic_tests = 0;  // basic tests the attempt consists of (A: 1286, B: 9)
  size_t run = 0;          // basic tests run (fewer than basic_tests when the data ends)
  size_t failed = 0;       // basic tests failed so far
  bool complete = false;   // every test ran
};

struct ProcedureResult {
  std::string procedure;  // "A", "B" or "fips"
  size_t data_bytes = 0;
  std::vector<Attempt> attempts;
  Verdict verdict = Verdict::kNeedMoreData;
  std::string reason;       // one line: why this verdict
  size_t bytes_needed = 0;  // kNeedMoreData: bytes the verdict needs (at least)
  // Bits each byte of the data contributes: 8, or k for procedure A on k-bit
  // samples. Attempt::first_bit / bits_used count these bits, so byte (and
  // sample) = bit / bits_per_sample.
  unsigned bits_per_sample = 8;
};

inline constexpr size_t kProcedureABytes = 1035716;  // (3,145,728 + 257 * 20,000) / 8
inline constexpr size_t kProcedureBMinBytes = 871060;
inline constexpr size_t kBlocksA = 257;

// Bytes one attempt of procedure A takes with k-bit samples:
// 65,536 * ceil(48/k) + 257 * ceil(20,000/k); kProcedureABytes for k = 8.
size_t ProcedureABytes(unsigned bits_per_sample);

// `bits_per_sample` 1..8: each byte is one sample of that many bits (8: the
// file is a bit stream). Bits above them are ignored; the caller rejects such
// data first (CheckSampleWidth in eval/entropy_samples.h).
ProcedureResult RunProcedureA(std::span<const uint8_t> data, unsigned bits_per_sample = 8);
ProcedureResult RunProcedureB(std::span<const uint8_t> data);
ProcedureResult RunFips(std::span<const uint8_t> data, const fips140::Options& options = {});

}  // namespace egdstat
