// SPDX-License-Identifier: Apache-2.0
// The 19 statistics of the SP 800-90B section 5.1 permutation tests, computed
// as NIST's reference implementation (ea_iid 1.1.7, iid/permutation_tests.h)
// computes them, so that counts compare with its own:
//
//   excursion                 on the raw sample values, against their mean
//   directional runs (3)      number of runs, longest run, max(#increases,
//                             #decreases) of the sequence "next >= this"
//   runs based on the median  number of runs, longest run of "value >= median"
//   collisions (2)            average and longest distance to a repeat
//   periodicity(p), covariance(p) for lags p = 1, 2, 8, 16, 32
//   compression               bzip2 size (block size 5) of the raw values
//                             written in decimal, separated by spaces
//
// Which sequence each statistic reads follows the reference (section 5.1's
// conversions for binary data, two symbols):
// - non-binary: the relabelled symbols, except excursion, covariance and
//   compression, which read the raw values;
// - binary: directional runs, periodicity and covariance read conversion I
//   (the number of ones in each 8-symbol block), collisions read conversion II
//   (each 8-symbol block as a byte), runs based on the median read the symbols
//   with median 0.5; excursion and compression the raw values. A last partial
//   block counts as a block, as in the reference.
// Pure; no I/O. Not thread-safe per StatisticScratch.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace egdstat {

inline constexpr size_t kPermutationStatistics = 19;
// JSON names, in the reference's order.
inline constexpr std::array<const char*, kPermutationStatistics> kPermutationStatisticNames = {
    "excursion",        "num_directional_runs", "len_directional_runs", "num_increases_decreases",
    "num_runs_median",  "len_runs_median",      "avg_collision",        "max_collision",
    "periodicity_1",    "periodicity_2",        "periodicity_8",        "periodicity_16",
    "periodicity_32",   "covariance_1",         "covariance_2",         "covariance_8",
    "covariance_16",    "covariance_32",        "compression"};
inline constexpr std::array<size_t, 5> kPermutationLags = {1, 2, 8, 16, 32};

using StatisticMask = std::bitset<kPermutationStatistics>;
using StatisticValues = std::array<double, kPermutationStatistics>;

// What the statistics need besides the order of the samples; the same for
// every shuffle.
struct IidContext {
  int alphabet = 0;                  // distinct symbols; 2 selects the binary conversions
  double raw_mean = 0;               // mean of the raw values
  double median = 0;                 // of the symbols; 0.5 for binary data (5.1.5)
  std::array<uint8_t, 256> raw_of{};  // raw value of each symbol
  bool relabelled = false;           // some symbol differs from its raw value
};

// `raw` are the samples as read, `symbols` the same relabelled to
// 0..alphabet-1 in the order of their values (EntropySamples::literal).
IidContext MakeIidContext(std::span<const uint8_t> raw, std::span<const uint8_t> symbols, int alphabet);

// Reusable buffers, so that a shuffle allocates nothing.
struct StatisticScratch {
  std::vector<uint8_t> raw, ones, bytes;
  std::vector<uint32_t> seen;
  std::string text;
  std::vector<char> compressed;
};

// Sets (*out)[i] for each i in `which`; leaves the others untouched.
void ComputeStatistics(std::span<const uint8_t> symbols, const IidContext& context,
                       const StatisticMask& which, StatisticScratch* scratch, StatisticValues* out);

// The pieces, exposed for tests.
std::vector<uint8_t> ConversionOne(std::span<const uint8_t> bits);  // ones per 8-bit block
std::vector<uint8_t> ConversionTwo(std::span<const uint8_t> bits);  // 8-bit blocks as bytes, MSB first
double Excursion(std::span<const uint8_t> values, double mean);

struct RunStatistics {
  double runs = 0;      // number of runs
  double longest = 0;   // longest run
  double majority = 0;  // directional only: max(#"next >= this", #"next < this")
};
RunStatistics DirectionalRuns(std::span<const uint8_t> values);
RunStatistics MedianRuns(std::span<const uint8_t> values, double median);

struct CollisionStatistics {
  double average = 0;  // mean distance to the first repeat (0 if none)
  double longest = 0;  // longest such distance
};
// `values` each < alphabet; `seen` is scratch.
CollisionStatistics Collisions(std::span<const uint8_t> values, int alphabet, std::vector<uint32_t>* seen);

double Periodicity(std::span<const uint8_t> values, size_t lag);
double Covariance(std::span<const uint8_t> values, size_t lag);
// bzip2 size of the values in decimal separated by single spaces; 0 if bzip2
// fails (as the reference).
double CompressedSize(std::span<const uint8_t> values, std::string* text, std::vector<char>* out);

}  // namespace egdstat
