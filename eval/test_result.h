// The result of one statistical test: its statistics, each with the interval
// it must lie in, and the verdict. Every test in egdstat returns one of these.
//
// `pass` is decided by each test with exact (integer where possible)
// arithmetic; `bounds` is the same rule for display and JSON. Plain values,
// cheap to copy, no I/O.
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace egdstat {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// An interval lo <op> x <op> hi; an infinite end is no bound.
struct Interval {
  double lo = -kInf;
  double hi = kInf;
  bool inclusive = false;  // true: lo <= x <= hi; false: lo < x < hi

  bool Contains(double x) const;
  // "9725 < X < 10275", "X <= 25", "X > 7.976".
  std::string Describe(const std::string& symbol) const;
  // Distance to the nearest bound (negative outside), as a fraction of the
  // half-width for a two-sided interval; in units of x otherwise. Lower is worse.
  double Margin(double x) const;
};

struct Statistic {
  std::string name;  // "X", "runs of 0s, length 1", "Z(tau=17)"
  double value = 0;
  Interval bounds;
  bool pass = false;
};

struct TestResult {
  std::string name;  // "monobit", "T2 poker"
  std::vector<Statistic> stats;
  bool pass = false;
  std::string note;  // extra facts (e.g. the chosen tau, counts collected)

  // The statistic closest to (or furthest past) its bounds.
  const Statistic* Worst() const;
};

// Builds a statistic whose verdict is `pass` (decided by the caller).
Statistic MakeStatistic(std::string name, double value, Interval bounds, bool pass);
// Builds a test whose verdict is the AND of its statistics.
TestResult MakeTest(std::string name, std::vector<Statistic> stats, std::string note = "");

// One line for logs: "T3 runs: pass" or "T3 runs: FAIL: runs of 0s, length 2
// = 1430, needs 1079 <= x <= 1421".
std::string Summary(const TestResult& t);

}  // namespace egdstat
