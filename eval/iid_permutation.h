// SPDX-License-Identifier: Apache-2.0
// The permutation testing of SP 800-90B section 5.1, run as NIST's reference
// implementation (ea_iid 1.1.7, iid/permutation_tests.h) runs it:
// - the 19 statistics (iid_statistics.h) on the samples as given, then on up
//   to 10,000 Fisher-Yates shuffles of them (xoshiro256**, xoshiro.h);
// - per statistic, C0 counts shuffles whose statistic is greater than the
//   original's, C1 equal, C2 smaller (the reference's C[i][0..2]);
// - early stop: a statistic is decided, and no longer computed, once
//   C0 + C1 > 5 and C1 + C2 > 5; the shuffling stops when all 19 are;
// - a statistic fails when, after the shuffles, C0 + C1 <= 5 or
//   C1 + C2 <= 5 (the original is among the 6 largest or smallest of 10,001);
//   the test passes when none fails.
// Unlike the reference, the shuffles are seeded (default kDefaultIidSeed), not
// drawn from /dev/urandom, so a run is reproducible; and they run on one
// thread, in order. Pure; no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "eval/iid_statistics.h"
#include "eval/progress_fn.h"
#include "eval/xoshiro.h"

namespace egdstat {

inline constexpr uint64_t kDefaultIidSeed = 0x5380090B;  // "SP 800-90B"
inline constexpr size_t kIidShuffles = 10000;
inline constexpr uint32_t kIidCountThreshold = 5;

struct PermutationOptions {
  uint64_t seed = kDefaultIidSeed;
  size_t max_shuffles = kIidShuffles;  // the standard's 10,000; fewer only for tests
};

struct PermutationCount {
  uint32_t c0 = 0;  // shuffled > original
  uint32_t c1 = 0;  // shuffled == original
  uint32_t c2 = 0;  // shuffled < original
  bool Decided() const { return c0 + c1 > kIidCountThreshold && c1 + c2 > kIidCountThreshold; }
  bool Passed() const { return Decided(); }
};

struct PermutationResult {
  StatisticValues original{};
  std::array<PermutationCount, kPermutationStatistics> counts{};
  size_t shuffles = 0;  // shuffles made (fewer than max_shuffles after an early stop)
  bool passed = false;
};

// `symbols` relabelled (EntropySamples::literal), `context` from them.
// `progress`: after each shuffle, (shuffles made, max_shuffles).
PermutationResult RunPermutationTests(std::span<const uint8_t> symbols, const IidContext& context,
                                      const PermutationOptions& options = {},
                                      const ProgressFn& progress = nullptr);

// Fisher-Yates as in the reference: for i from n-1 down to 1, swap element i
// with one drawn uniformly from [0, i].
void ShuffleSamples(std::span<uint8_t> data, Xoshiro256& rng);

}  // namespace egdstat
