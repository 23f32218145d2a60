#include "eval/block_stats.h"

#include <algorithm>
#include <bit>
#include <string>
#include <utility>

namespace egdstat {

uint32_t CountOnes(std::span<const uint8_t> bytes) {
  uint32_t ones = 0;
  for (uint8_t b : bytes) ones += static_cast<uint32_t>(std::popcount(b));
  return ones;
}

std::array<uint32_t, 16> NibbleCounts(std::span<const uint8_t> bytes) {
  std::array<uint32_t, 16> f{};
  for (uint8_t b : bytes) {
    ++f[b >> 4];
    ++f[b & 15];
  }
  return f;
}

uint64_t SumOfSquares(const std::array<uint32_t, 16>& counts) {
  uint64_t s = 0;
  for (uint32_t c : counts) s += uint64_t{c} * c;
  return s;
}

double PokerX(uint64_t sum_of_squares) {
  // (16 S - 25,000,000) / 5000: one rounding, so 3.104 prints as 3.104.
  return static_cast<double>(16 * static_cast<int64_t>(sum_of_squares) - 25000000) / 5000.0;
}

bool PokerWithin(uint64_t sum_of_squares, int64_t lo_centi, int64_t hi_centi) {
  // X * 100 * 5000 = 1600 S - 5000 * 500000; compare against bound * 5000.
  const int64_t scaled = 1600 * static_cast<int64_t>(sum_of_squares) - int64_t{5000} * 500000;
  return scaled > lo_centi * 5000 && scaled < hi_centi * 5000;
}

RunCounts CountRuns(std::span<const uint8_t> bytes) {
  RunCounts rc;
  if (bytes.empty()) return rc;
  int current = bytes[0] >> 7;
  uint32_t length = 0;
  auto close_run = [&rc](int bit, uint32_t len) {
    ++rc.runs[bit][std::min<uint32_t>(len, 6) - 1];
    rc.longest = std::max(rc.longest, len);
  };
  for (uint8_t byte : bytes) {
    for (int i = 7; i >= 0; --i) {
      const int bit = (byte >> i) & 1;
      if (bit == current) {
        ++length;
      } else {
        close_run(current, length);
        current = bit;
        length = 1;
      }
    }
  }
  close_run(current, length);
  return rc;
}

TestResult MonobitResult(std::string name, std::span<const uint8_t> block, uint32_t lo, uint32_t hi) {
  const uint32_t ones = CountOnes(block);
  const Interval bounds{double(lo), double(hi), false};
  return MakeTest(std::move(name), {MakeStatistic("X (ones)", ones, bounds, lo < ones && ones < hi)});
}

TestResult PokerResult(std::string name, std::span<const uint8_t> block, int64_t lo_centi, int64_t hi_centi) {
  const uint64_t s = SumOfSquares(NibbleCounts(block));
  const Interval bounds{double(lo_centi) / 100, double(hi_centi) / 100, false};
  return MakeTest(std::move(name), {MakeStatistic("X", PokerX(s), bounds, PokerWithin(s, lo_centi, hi_centi))},
                  "sum of squares " + std::to_string(s));
}

TestResult RunsResult(std::string name, std::span<const uint8_t> block, const std::array<uint32_t, 6>& lo,
                      const std::array<uint32_t, 6>& hi) {
  const RunCounts rc = CountRuns(block);
  std::vector<Statistic> stats;
  for (int bit = 0; bit < 2; ++bit) {
    for (int i = 0; i < 6; ++i) {
      const uint32_t n = rc.runs[bit][i];
      const std::string label =
          "runs of " + std::to_string(bit) + "s, length " + std::to_string(i + 1) + (i == 5 ? "+" : "");
      stats.push_back(MakeStatistic(label, n, Interval{double(lo[i]), double(hi[i]), true},
                                    lo[i] <= n && n <= hi[i]));
    }
  }
  return MakeTest(std::move(name), std::move(stats));
}

TestResult LongRunResult(std::string name, std::span<const uint8_t> block, uint32_t fail_length) {
  const uint32_t longest = CountRuns(block).longest;
  const Interval bounds{-kInf, double(fail_length - 1), true};
  return MakeTest(std::move(name), {MakeStatistic("longest run", longest, bounds, longest < fail_length)});
}

}  // namespace egdstat
