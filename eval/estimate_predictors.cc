// SPDX-License-Identifier: Apache-2.0
// The public entry points of the prediction estimators: the shared final step
// (PredictionEstimate and the P_local search), 6.3.7 MultiMCW and 6.3.8 Lag.
// MultiMMC and LZ78Y are in estimate_context_predictors.cc.
#include "eval/estimate_predictors.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

#include "eval/entropy_estimators.h"
#include "eval/predictor_dictionaries.h"

namespace egdstat {

using detail::Finish;
using detail::Tally;

namespace {

// ---------------------------------------------------------------------------
// The final step. The reference evaluates the run-length probability in long
// double and bisects in double with its own stopping rules; each is copied in
// substance here because P_local must agree to the last digits.

// log of the probability of no run longer than r-1 in N trials at p (the
// standard's equation for P_local, with x found by fixed-point iteration).
double LogNoRunProbability(long double p, long r, long n) {
  const long double q = 1.0L - p;
  long double x = 1.0L, last = 0.0L;
  for (int i = 0; i <= 65 && (x - last) > LDBL_EPSILON * x; ++i) {
    last = x;
    x = 1.0L + q * powl(p, static_cast<long double>(r)) * powl(x, r + 1.0L);
  }
  return static_cast<double>(logl(1.0L - p * x) - logl((r + 1.0L - r * x) * q) -
                             (n + 1.0L) * logl(x));
}

// The reference's "close enough" test: relative, else absolute near zero,
// else within `max_ulp` units in the last place.
bool NearlyEqual(double a, double b, double max_abs, double max_rel, uint64_t max_ulp) {
  if (std::isnan(a) || std::isnan(b)) return false;
  if (a == b) return true;
  if (std::isinf(a) || std::isinf(b)) return false;
  double abs_a = std::fabs(a), abs_b = std::fabs(b);
  if (abs_a > abs_b) {
    std::swap(a, b);
    std::swap(abs_a, abs_b);
  }
  const double diff = std::fabs(b - a);
  if (abs_a < DBL_MIN || diff < DBL_MIN || std::isinf(diff) || abs_b * max_rel < DBL_MIN) {
    return diff <= max_abs;
  }
  if (diff <= abs_b * max_rel) return true;
  if (std::signbit(a) != std::signbit(b)) return false;
  uint64_t ia = 0, ib = 0;
  std::memcpy(&ia, &abs_a, sizeof ia);
  std::memcpy(&ib, &abs_b, sizeof ib);
  return ib - ia <= max_ulp;
}

bool InClosed(double x, double a, double b) {
  return a > b ? (x >= b && x <= a) : (x >= a && x <= b);
}
bool InOpen(double x, double a, double b) { return a > b ? (x > b && x < a) : (x > a && x < b); }

// Bisection for the p at which the no-run probability is 0.99, on
// [low, 1]; the reference's guards decide where it stops, so they are kept.
double SolvePLocal(long longest_run, long n, double low) {
  const double log_alpha = std::log(0.99), high_domain = 1.0;
  double lbound = low, hbound = high_domain;
  double lvalue = HUGE_VAL, hvalue = -HUGE_VAL;
  double p = (lbound + hbound) / 2.0;
  double value = LogNoRunProbability(p, longest_run + 1, n);
  for (int j = 0; j < 1076; ++j) {
    if (NearlyEqual(value, log_alpha, DBL_MIN, DBL_EPSILON, 4)) break;
    if (log_alpha < value) {
      lbound = p;
      lvalue = value;
    } else {
      hbound = p;
      hvalue = value;
    }
    if (lbound >= hbound) return std::fmin(std::fmax(lbound, hbound), high_domain);
    if (!InClosed(lbound, low, high_domain) || !InClosed(hbound, low, high_domain)) {
      return high_domain;
    }
    if (!InClosed(log_alpha, lvalue, hvalue)) return high_domain;
    const double last = p;
    p = (lbound + hbound) / 2.0;
    if (!InOpen(p, lbound, hbound) || last == p) return hbound;
    value = LogNoRunProbability(p, longest_run + 1, n);
    if (!InClosed(value, lvalue, hvalue)) return hbound;
  }
  return p;
}

}  // namespace

PredictorEstimate PredictionEstimate(long correct, long longest_run, long predictions,
                                     int alphabet) {
  PredictorEstimate e;
  e.correct = correct;
  e.run = longest_run + 1;
  e.predictions = predictions;
  const double n = static_cast<double>(predictions);
  e.p_global = static_cast<double>(correct) / n;
  if (e.p_global > 0) {
    e.p_global_prime =
        std::min(1.0, e.p_global + kZAlpha * std::sqrt(e.p_global * (1.0 - e.p_global) / (n - 1.0)));
  } else {
    e.p_global_prime = 1.0 - std::pow(0.01, 1.0 / n);
  }
  // The 1/k floor applies before P_local: it is the lower end of its search.
  double p_max = std::fmax(1.0 / static_cast<double>(alphabet), e.p_global_prime);
  if (p_max < 1.0 && LogNoRunProbability(p_max, longest_run + 1, predictions) > std::log(0.99)) {
    e.p_local = SolvePLocal(longest_run, predictions, p_max);
    p_max = std::fmax(p_max, *e.p_local);
  }
  e.min_entropy = -std::log2(p_max);
  return e;
}

// ---------------------------------------------------------------------------
// 6.3.7 MultiMCW: four most-common-in-window predictors (windows 63, 255,
// 1023, 4095). Each window keeps counts, the last position of every symbol
// and its current mode; ties go to the symbol seen most recently (the
// reference's rule, which decides C). The alphabet is scanned only when the
// mode leaves the window and a histogram of the counts cannot tell the new
// mode.

namespace {

constexpr std::array<long, 4> kMcwWindows = {63, 255, 1023, 4095};

class MostCommonInWindow {
 public:
  MostCommonInWindow(long window, int alphabet)
      : window_(window),
        count_(static_cast<size_t>(alphabet), 0),
        last_(count_.size(), 0),
        with_count_(static_cast<size_t>(window) + 2, 0) {
    with_count_[0] = alphabet;
  }

  // Fills the window with samples[0..window).
  void Fill(std::span<const uint8_t> s) {
    for (long i = 0; i < window_; ++i) {
      Add(s[i], 1);
      if (max_ <= count_[s[i]]) {
        max_ = count_[s[i]];
        mode_ = s[i];
      }
      last_[s[i]] = i;
    }
  }

  // Slides the window to end at sample i (inclusive).
  void Slide(std::span<const uint8_t> s, long i) {
    const uint8_t out = s[i - window_], in = s[i];
    last_[in] = i;
    if (in == out) {  // counts unchanged; the mode keeps or gains recency
      if (max_ <= count_[in]) mode_ = in;
      return;
    }
    Add(out, -1);
    Add(in, 1);
    if (out != mode_) {
      if (max_ <= count_[in]) {
        max_ = count_[in];
        mode_ = in;
      }
      return;
    }
    if (!ModeLeftCheaply(in)) Rescan(i);
  }

  uint8_t mode() const { return mode_; }
  long window() const { return window_; }

 private:
  void Add(uint8_t v, long delta) {
    --with_count_[static_cast<size_t>(count_[v])];
    count_[v] += delta;
    ++with_count_[static_cast<size_t>(count_[v])];
  }

  // The mode (count m) lost one, `in` (the newest sample) gained one. The new
  // mode is decided without a scan when no third value can be it.
  bool ModeLeftCheaply(uint8_t in) {
    const long m = max_, c = count_[in];
    const long others_at_m = with_count_[static_cast<size_t>(m)] - (c == m ? 1 : 0);
    if (c >= m || (c == m - 1 && others_at_m == 0)) {  // ties go to the newest
      max_ = c;
      mode_ = in;
      return true;
    }
    if (others_at_m == 0 && with_count_[static_cast<size_t>(m - 1)] == 1) {
      max_ = m - 1;  // the mode alone keeps the highest count
      return true;
    }
    return false;
  }

  // The reference's scan: highest count, ties to the latest last occurrence.
  void Rescan(long i) {
    --max_;
    long max_pos = i - window_;
    for (size_t k = 0; k < count_.size(); ++k) {
      if (max_ < count_[k] || (max_ == count_[k] && max_pos <= last_[k])) {
        max_ = count_[k];
        mode_ = static_cast<uint8_t>(k);
        max_pos = last_[k];
      }
    }
  }

  long window_;
  std::vector<long> count_;
  std::vector<long> last_;
  std::vector<long> with_count_;  // how many values have each count
  long max_ = 0;
  uint8_t mode_ = 0;
};

// Two symbols and odd windows: the mode is the majority, there are no ties.
// Each window's predictions for a block of 64 samples become bits (from its
// running count of ones), and the scoreboard replays the winner rule.
PredictorEstimate BinaryMultiMcw(std::span<const uint8_t> s) {
  const long len = static_cast<long>(s.size());
  std::array<long, 4> ones{};  // in the window ending before the next sample
  for (size_t j = 0; j < 4; ++j) {
    for (long i = 0; i < kMcwWindows[j]; ++i) ones[j] += s[i];
  }
  detail::Scoreboard<4> board;
  for (long lo = kMcwWindows[0]; lo < len; lo += 64) {
    const long hi = std::min(len, lo + 64);
    std::array<uint64_t, 4> found{}, hit{};
    for (size_t j = 0; j < 4; ++j) {
      const long w = kMcwWindows[j];
      long count = ones[j];
      for (long i = std::max(lo, w); i < hi; ++i) {
        const uint64_t mode = 2 * count > w;
        found[j] |= uint64_t{1} << (i - lo);
        hit[j] |= uint64_t{mode == s[i]} << (i - lo);
        count += s[i] - s[i - w];
      }
      ones[j] = count;
    }
    board.Block(found, hit, static_cast<int>(hi - lo));
  }
  return Finish(board.tally(), len - kMcwWindows[0], 2);
}

}  // namespace

std::optional<PredictorEstimate> EstimateMultiMcw(std::span<const uint8_t> s, int alphabet) {
  const long len = static_cast<long>(s.size());
  if (len < kMcwWindows.back() + 1) return std::nullopt;
  if (alphabet == 2) return BinaryMultiMcw(s);
  std::vector<MostCommonInWindow> windows;
  for (long w : kMcwWindows) {
    windows.emplace_back(w, alphabet);
    windows.back().Fill(s);
  }
  std::array<long, 4> score{};
  size_t winner = 0;
  Tally tally;
  for (long i = kMcwWindows[0]; i < len; ++i) {
    tally.Score(windows[winner].mode() == s[i]);
    for (size_t j = 0; j < windows.size(); ++j) {
      if (i >= windows[j].window() && windows[j].mode() == s[i] && ++score[j] >= score[winner]) {
        winner = j;
      }
    }
    for (auto& w : windows) {
      if (i >= w.window()) w.Slide(s, i);
    }
  }
  return Finish(tally, len - kMcwWindows[0], alphabet);
}

// ---------------------------------------------------------------------------
// 6.3.8 Lag: 128 predictors "the sample d back". The winner changes only when
// a lag's score reaches the high score, so work goes in blocks: a lag that
// cannot reach the high score within the block, even if it matched every
// time, is credited its matches at the end of the block without being looked
// at in between. The ones that can are stepped exactly, in the reference's
// order (shortest lag first, ties to the later lag).

namespace {

constexpr long kLagDepth = 128;
constexpr long kLagBlock = 128;  // at most 255: CountEqual counts in a byte

struct LagState {
  std::array<long, kLagDepth> score{};
  long winner = 0;  // offset: predicts samples[i - winner - 1]
  long high = 0;
  Tally tally;

  // One sample: score the winner's prediction, then credit the given offsets.
  // Branch-free: on good data a match is a coin toss.
  template <typename Offsets>
  void Step(std::span<const uint8_t> s, long i, const Offsets& offsets) {
    tally.Score(s[i] == s[i - winner - 1]);
    for (long o : offsets) {
      if (o >= i) break;  // (offsets ascend)
      const bool hit = s[i] == s[i - o - 1];
      score[o] += hit;
      const bool lead = hit & (score[o] >= high);
      winner = lead ? o : winner;
      high = lead ? score[o] : high;
    }
  }
};

// Equal bytes among a[0..n) and b[0..n). The fixed-length form lets the
// compiler vectorize it at -O2.
template <long kLength>
long CountEqual(const uint8_t* a, const uint8_t* b) {
  uint8_t n = 0;
  for (long j = 0; j < kLength; ++j) n = static_cast<uint8_t>(n + (a[j] == b[j]));
  return n;
}
long CountEqual(const uint8_t* a, const uint8_t* b, long length) {
  long n = 0;
  for (long j = 0; j < length; ++j) n += a[j] == b[j];
  return n;
}

// Matches of lag o+1 among samples [begin, end), for every offset o.
std::array<long, kLagDepth> BlockMatches(std::span<const uint8_t> s, long begin, long end) {
  std::array<long, kLagDepth> matches{};
  const uint8_t* now = s.data() + begin;
  for (long o = 0; o < kLagDepth; ++o) {
    const uint8_t* then = now - o - 1;
    matches[o] = end - begin == kLagBlock ? CountEqual<kLagBlock>(now, then)
                                          : CountEqual(now, then, end - begin);
  }
  return matches;
}

// The block's samples, with the candidates (ascending offsets, each below
// begin) stepped exactly. The state is held in locals meanwhile: through
// memory, the tally's run would be a chain of store-to-load forwardings.
void StepBlock(std::span<const uint8_t> s, long begin, long end, std::span<const long> candidates,
               LagState* st) {
  Tally tally = st->tally;
  long winner = st->winner, high = st->high;
  for (long i = begin; i < end; ++i) {
    tally.Score(s[i] == s[i - winner - 1]);
    for (long o : candidates) {
      const bool hit = s[i] == s[i - o - 1];
      const long score = st->score[o] += hit;
      const bool lead = hit & (score >= high);
      winner = lead ? o : winner;
      high = lead ? score : high;
    }
  }
  st->tally = tally;
  st->winner = winner;
  st->high = high;
}

// Bit j: a[j] == b[j], for j < n <= 64.
uint64_t MatchBits(const uint8_t* a, const uint8_t* b, long n) {
  uint64_t bits = 0;
  for (long j = 0; j < n; ++j) bits |= uint64_t{a[j] == b[j]} << j;
  return bits;
}

void LagBlock(std::span<const uint8_t> s, long begin, long end, LagState* st) {
  const std::array<long, kLagDepth> matches = BlockMatches(s, begin, end);
  std::array<long, kLagDepth> candidates;
  size_t count = 0;
  for (long o = 0; o < kLagDepth; ++o) {
    if (st->score[o] + matches[o] >= st->high) {
      candidates[count++] = o;
    } else {
      st->score[o] += matches[o];
    }
  }
  if (count == 1 && candidates[0] == st->winner) {  // the winner alone: it stays; tallied at once
    const long w = st->winner;
    st->score[w] += matches[w];
    st->high = st->score[w];
    for (long i = begin; i < end; i += 64) {
      const long n = std::min(64L, end - i);
      st->tally.Score(MatchBits(s.data() + i, s.data() + i - w - 1, n), static_cast<int>(n));
    }
    return;
  }
  StepBlock(s, begin, end, std::span<const long>(candidates.data(), count), st);
}

}  // namespace

std::optional<PredictorEstimate> EstimateLag(std::span<const uint8_t> s, int alphabet) {
  const long len = static_cast<long>(s.size());
  if (len < 3) return std::nullopt;
  LagState st;
  std::array<long, kLagDepth> all{};
  for (long o = 0; o < kLagDepth; ++o) all[o] = o;
  const long warm = std::min(len, kLagDepth);
  for (long i = 1; i < warm; ++i) st.Step(s, i, all);
  for (long b = warm; b < len; b += kLagBlock) LagBlock(s, b, std::min(len, b + kLagBlock), &st);
  return Finish(st.tally, len - 1, alphabet);
}

}  // namespace egdstat
