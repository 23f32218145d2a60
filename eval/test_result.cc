#include "eval/test_result.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace egdstat {
namespace {

std::string Num(double v) {
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

}  // namespace

bool Interval::Contains(double x) const {
  if (inclusive) return lo <= x && x <= hi;
  return lo < x && x < hi;
}

std::string Interval::Describe(const std::string& symbol) const {
  const std::string op = inclusive ? " <= " : " < ";
  const bool has_lo = std::isfinite(lo);
  const bool has_hi = std::isfinite(hi);
  if (has_lo && has_hi && lo == hi && inclusive) return symbol + " = " + Num(lo);
  if (has_lo && has_hi) return Num(lo) + op + symbol + op + Num(hi);
  if (has_hi) return symbol + op + Num(hi);
  if (has_lo) return symbol + (inclusive ? " >= " : " > ") + Num(lo);
  return "(no bound)";
}

double Interval::Margin(double x) const {
  const bool has_lo = std::isfinite(lo);
  const bool has_hi = std::isfinite(hi);
  if (has_lo && has_hi && hi > lo) return std::min(x - lo, hi - x) / ((hi - lo) / 2);
  if (has_lo && has_hi) return -std::abs(x - lo);
  if (has_hi) return hi - x;
  if (has_lo) return x - lo;
  return kInf;
}

const Statistic* TestResult::Worst() const {
  const Statistic* worst = nullptr;
  for (const Statistic& s : stats) {
    if (!worst || s.bounds.Margin(s.value) < worst->bounds.Margin(worst->value)) worst = &s;
  }
  return worst;
}

Statistic MakeStatistic(std::string name, double value, Interval bounds, bool pass) {
  return Statistic{std::move(name), value, bounds, pass};
}

TestResult MakeTest(std::string name, std::vector<Statistic> stats, std::string note) {
  const bool pass = std::all_of(stats.begin(), stats.end(), [](const Statistic& s) { return s.pass; });
  return TestResult{std::move(name), std::move(stats), pass, std::move(note)};
}

std::string Summary(const TestResult& t) {
  if (t.pass) return t.name + ": pass";
  const Statistic* s = t.Worst();
  if (!s) return t.name + ": FAIL";
  return t.name + ": FAIL: " + s->name + " = " + Num(s->value) + ", needs " + s->bounds.Describe("x");
}

}  // namespace egdstat
