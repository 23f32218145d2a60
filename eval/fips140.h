// FIPS 140-2 (2001) section 4.9 statistical random number generator tests:
// the four power-up tests on one 20,000-bit sample (monobit, poker, runs,
// long run) and the continuous random number generator test.
//
// Bounds (FIPS PUB 140-2, 2001-05-25, section 4.9.1):
//   monobit   9725 < X < 10275            (X = number of ones)
//   poker     2.16 < X < 46.17            (X = 16/5000 * sum f(i)^2 - 5000)
//   runs      each of the 12 counts (runs of 0s and of 1s, lengths 1..5, 6+)
//             within Table 3 (closed intervals), see RunsTable
//   long run  no run of 26 or more bits
// Continuous test (4.9.2): each n-bit block (n > 15) differs from the one
// before it; n = 32 by default (below).
//
// A block is exactly kBlockBytes bytes, bits most significant first. Pure
// functions; no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "eval/bits.h"
#include "eval/block_stats.h"
#include "eval/test_result.h"

namespace egdstat::fips140 {

// The runs-test intervals. kOriginal is FIPS 140-2 as published on
// 2001-05-25 (Table 3: 2343-2657, 1135-1365, 542-708, 251-373, 111-201,
// 111-201). kChangeNotice1 is the table as amended on 2001-10-10 (2315-2685,
// 1114-1386, 527-723, 240-384, 103-209, 103-209), which rng-tools' rngtest
// implements as "FIPS 140-2(2001-10-10)"; the default, as the table in force
// until Change Notice 2 (2002-12-03) dropped the tests.
enum class RunsTable { kOriginal, kChangeNotice1 };

// The continuous test's default n: 4.9.2 takes n from the RNG's call size, or
// "some n > 15" for an RNG giving fewer than 16 bits a call; a capture file has
// no call size. 32 is what rngtest's "FIPS 140-2(2001-10-10) Continuous run"
// uses; an ideal source then fails 624 comparisons x 2^-32 = 1.5e-7 of
// 20,000-bit samples, where n = 16 fails 1,249 x 2^-16 = 1.9 %.
inline constexpr unsigned kDefaultCrngtBits = 32;

struct Options {
  RunsTable runs_table = RunsTable::kChangeNotice1;
  unsigned crngt_bits = kDefaultCrngtBits;  // n of the continuous test, 16..57
};

TestResult Monobit(std::span<const uint8_t> block);
TestResult Poker(std::span<const uint8_t> block);
TestResult Runs(std::span<const uint8_t> block, RunsTable table = RunsTable::kChangeNotice1);
TestResult LongRun(std::span<const uint8_t> block);
// Compares every n-bit block of `bits` with the one before it; the first
// block is only compared with the next (4.9.2: saved, not used).
TestResult ContinuousRng(BitView bits, unsigned block_bits = kDefaultCrngtBits);

// The four power-up tests on `block`, then the continuous test over it.
std::vector<TestResult> BlockTests(std::span<const uint8_t> block, const Options& options = {});

}  // namespace egdstat::fips140
