// SPDX-License-Identifier: Apache-2.0
#include "eval/estimate_predictors.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

#include "eval/entropy_estimators.h"

namespace egdstat {

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

// Running tally of the predictions of the current winner. Branch-free: on
// good data a hit is a coin toss.
struct Tally {
  long correct = 0;
  long run = 0;
  long longest = 0;  // the longest run of hits
  void Score(bool hit) {
    correct += hit;
    run = hit ? run + 1 : 0;
    longest = std::max(longest, run);
  }
};

PredictorEstimate Finish(const Tally& t, long n, int alphabet) {
  return PredictionEstimate(t.correct, t.longest, n, alphabet);
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
PredictorEstimate BinaryMultiMcw(std::span<const uint8_t> s) {
  const long len = static_cast<long>(s.size());
  std::array<long, 4> ones{}, score{};
  for (size_t j = 0; j < 4; ++j) {
    for (long i = 0; i < kMcwWindows[j]; ++i) ones[j] += s[i];
  }
  size_t winner = 0;
  Tally tally;
  for (long i = kMcwWindows[0]; i < len; ++i) {
    const long next = s[i];
    std::array<long, 4> mode{};
    for (size_t j = 0; j < 4; ++j) mode[j] = 2 * ones[j] > kMcwWindows[j];
    tally.Score(mode[winner] == next);
    for (size_t j = 0; j < 4; ++j) {
      const bool live = i >= kMcwWindows[j];
      const bool hit = live && mode[j] == next;
      score[j] += hit;
      winner = hit && score[j] >= score[winner] ? j : winner;
      if (live) ones[j] += next - s[i - kMcwWindows[j]];
    }
  }
  return Finish(tally, len - kMcwWindows[0], 2);
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
constexpr long kLagBlock = 64;

struct LagState {
  std::array<long, kLagDepth> score{};
  long winner = 0;  // offset: predicts samples[i - winner - 1]
  long high = 0;
  Tally tally;

  // One sample: score the winner's prediction, then credit the given offsets.
  template <typename Offsets>
  void Step(std::span<const uint8_t> s, long i, const Offsets& offsets) {
    tally.Score(s[i] == s[i - winner - 1]);
    for (long o : offsets) {
      if (o < i && s[i] == s[i - o - 1] && ++score[o] >= high) {
        winner = o;
        high = score[o];
      }
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

void LagBlock(std::span<const uint8_t> s, long begin, long end, LagState* st) {
  const std::array<long, kLagDepth> matches = BlockMatches(s, begin, end);
  std::vector<long> candidates;
  for (long o = 0; o < kLagDepth; ++o) {
    if (st->score[o] + matches[o] >= st->high) {
      candidates.push_back(o);
    } else {
      st->score[o] += matches[o];
    }
  }
  for (long i = begin; i < end; ++i) st->Step(s, i, candidates);
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

// ---------------------------------------------------------------------------
// Dictionaries for MultiMMC and LZ78Y with more than two symbols: a context of
// up to 16 samples packed into 128 bits (most recent sample in the low byte),
// in flat open-addressed tables; each context has an id, and the counts of the
// samples that followed it live in one table keyed by (id, sample).

namespace {

constexpr int kMaxContext = 16;

struct ContextKey {
  uint64_t lo = 0;
  uint64_t hi = 0;
  // Puts `sample` at position `age` (0 = most recent).
  void Set(int age, uint8_t sample) {
    uint64_t& word = age < 8 ? lo : hi;
    word |= uint64_t{sample} << (8 * (age % 8));
  }
  bool operator==(const ContextKey&) const = default;
};

uint64_t Mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ULL;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dULL;
  return x ^ (x >> 33);
}
uint64_t HashOf(const ContextKey& k) { return Mix(k.lo ^ Mix(k.hi + 0x9e3779b97f4a7c15ULL)); }
uint64_t HashOf(uint64_t k) { return Mix(k); }

// The reference's PostfixDictionary: the prediction is the most frequent
// follower, ties going to the larger sample value. The first follower is
// counted inline (most long contexts never see a second one).
struct Postfixes {
  uint32_t id = 0;
  uint32_t best = 0;  // 0: not yet created
  uint32_t first_count = 0;
  uint8_t first = 0;
  uint8_t prediction = 0;
};
bool Used(const Postfixes& p) { return p.id != 0; }
bool Used(uint32_t count) { return count != 0; }

// Open addressing, linear probing, at most 80 % full (a capped order's
// 100,001 contexts then fit 2^17 slots). A slot is free while Used(value) is
// false: every stored value is non-zero. Pointers returned stay valid until
// the next insertion.
template <typename Key, typename Value>
class FlatMap {
 public:
  Value* Find(const Key& key) {
    for (size_t i = HashOf(key) & mask_;; i = (i + 1) & mask_) {
      if (!Used(slots_[i].value)) return nullptr;
      if (slots_[i].key == key) return &slots_[i].value;
    }
  }
  // The value for `key`, value-initialized when new.
  Value& FindOrInsert(const Key& key) {
    if (5 * (size_ + 1) > 4 * slots_.size()) Grow();
    size_t i = HashOf(key) & mask_;
    for (; Used(slots_[i].value); i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i].value;
    }
    ++size_;
    slots_[i].key = key;
    return slots_[i].value;
  }

 private:
  struct Slot {
    Key key{};
    Value value{};
  };
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(64, 2 * old.size()), Slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& s : old) {
      if (Used(s.value)) FindOrInsert(s.key) = s.value;
    }
  }
  std::vector<Slot> slots_ = std::vector<Slot>(64);
  size_t mask_ = 63;
  size_t size_ = 0;
};

// Contexts of one and two samples are few enough to index directly.
class ContextDictionary {
 public:
  Postfixes* Find(int order, const ContextKey& key) {
    if (order < 2) {
      Postfixes* p = &Dense(order, key);
      return Used(*p) ? p : nullptr;
    }
    return contexts_[order].Find(key);
  }
  Postfixes& FindOrInsert(int order, const ContextKey& key) {
    Postfixes& p = order < 2 ? Dense(order, key) : contexts_[order].FindOrInsert(key);
    if (p.id == 0) p.id = ++ids_;
    return p;
  }
  // Counts `next` after the context; a new (context, next) pair only when
  // `make_new`. Returns whether a pair was created.
  bool Increment(Postfixes& p, uint8_t next, bool make_new) {
    uint32_t count = 0;
    bool created = false;
    if (p.first_count != 0 && p.first == next) {
      count = ++p.first_count;
    } else if (p.first_count == 0 && make_new) {
      p.first = next;
      count = p.first_count = 1;
      created = true;
    } else if (uint32_t* c = counts_.Find(Pair(p, next))) {
      count = ++*c;
    } else if (make_new) {
      count = counts_.FindOrInsert(Pair(p, next)) = 1;
      created = true;
    } else {
      return false;
    }
    if (count > p.best || (count == p.best && next > p.prediction)) {
      p.prediction = next;
      p.best = count;
    }
    return created;
  }

 private:
  static uint64_t Pair(const Postfixes& p, uint8_t next) { return (uint64_t{p.id} << 8) | next; }
  Postfixes& Dense(int order, const ContextKey& key) {
    return dense_[order][key.lo & (order == 0 ? 0xff : 0xffff)];
  }
  std::array<std::vector<Postfixes>, 2> dense_ = {std::vector<Postfixes>(256),
                                                   std::vector<Postfixes>(65536)};
  std::array<FlatMap<ContextKey, Postfixes>, kMaxContext> contexts_;  // [0], [1] unused
  FlatMap<uint64_t, uint32_t> counts_;
  uint32_t ids_ = 0;
};

// The context of `length` samples ending just before `end`.
ContextKey ContextBefore(std::span<const uint8_t> s, long end, int length) {
  ContextKey k;
  for (int age = 0; age < length; ++age) k.Set(age, s[end - 1 - age]);
  return k;
}

// Counts per (context, next bit) for contexts of 1..16 bits, dense: the pair
// for context bits c (most recent bit lowest) of length m is at
// table[m][2c + next]. A context is present when either count is non-zero.
class BinaryDictionary {
 public:
  BinaryDictionary() {
    for (int m = 1; m <= kMaxContext; ++m) table_[m - 1].assign(size_t{2} << m, 0);
  }
  uint32_t* Entry(int length, uint32_t context) {
    return &table_[length - 1][(context & ((1U << length) - 1)) << 1];
  }
  // The long contexts' tables outgrow the cache: the next sample's entries
  // are known one sample ahead, so they are fetched while this one is scored.
  void Prefetch(uint32_t context) {
    for (int m = 8; m <= kMaxContext; ++m) __builtin_prefetch(Entry(m, context), 1);
  }

 private:
  std::array<std::vector<uint32_t>, kMaxContext> table_;  // counts < 2^32
};

// ---------------------------------------------------------------------------
// 6.3.9 MultiMMC: Markov predictors of orders 1..16, at most 100,000
// (context, next) pairs each. A context that never occurred at order d cannot
// have occurred at a higher order, so the look-ups stop at the first miss.

constexpr long kMmcMaxEntries = 100000;

// Scoreboard of the D predictors; `Credit` follows the reference's order of
// updates, which decides both the winner and C.
struct MmcScore {
  std::array<long, kMaxContext> score{};
  int winner = 0;
  long high = 0;    // score[winner], which is always the highest score
  int current = 0;  // the winner when this sample's predictions began
  Tally tally;
  // Branch-free: `hit` is a coin toss on good data.
  void Credit(int d, bool hit) {
    score[d] += hit;
    const bool lead = hit & (score[d] >= high);
    winner = lead ? d : winner;
    high = lead ? score[d] : high;
    if (d == current) tally.Score(hit);
  }
};

PredictorEstimate BinaryMultiMmc(std::span<const uint8_t> s) {
  const long len = static_cast<long>(s.size());
  BinaryDictionary dict;
  std::array<long, kMaxContext> entries{};
  uint32_t pattern = 0;
  for (int d = 0; d < kMaxContext; ++d) {
    pattern = (pattern << 1) | s[d];
    dict.Entry(d + 1, pattern)[s[d + 1]] = 1;
    entries[d] = 1;
  }
  pattern = s[0];
  MmcScore sc;
  for (long i = 2; i < len; ++i) {
    const uint8_t next = s[i];
    bool found = false;
    sc.current = sc.winner;
    pattern = ((pattern << 1) | s[i - 1]) & 0xffff;  // s[i-1] lowest
    if (i + 1 < len) dict.Prefetch((pattern << 2) | (next << 1) | s[i + 1]);
    for (int d = 0; d < kMaxContext && d <= i - 2; ++d) {
      uint32_t* e = dict.Entry(d + 1, pattern);
      uint8_t prediction = 1;
      if (d == 0 || found) {
        prediction = e[0] > e[1] ? 0 : 1;
        found = (e[0] | e[1]) != 0;
      }
      if (found) {
        sc.Credit(d, prediction == next);
        if (e[next] != 0) {
          ++e[next];
        } else if (entries[d] < kMmcMaxEntries) {
          e[next] = 1;
          ++entries[d];
        }
      } else if (entries[d] < kMmcMaxEntries) {
        e[next] = 1;  // as the reference: set, even in the (capped) case it existed
        ++entries[d];
      }
    }
  }
  return Finish(sc.tally, len - 2, 2);
}

PredictorEstimate GeneralMultiMmc(std::span<const uint8_t> s, int alphabet) {
  const long len = static_cast<long>(s.size());
  const long n = len - 2;
  ContextDictionary dict;
  std::array<long, kMaxContext> entries{};
  for (int d = 0; d < kMaxContext && d < n; ++d) {
    dict.Increment(dict.FindOrInsert(d, ContextBefore(s, d + 1, d + 1)), s[d + 1], true);
    entries[d] = 1;
  }
  MmcScore sc;
  for (long i = 2; i < len; ++i) {
    const uint8_t next = s[i];
    bool found = false;
    sc.current = sc.winner;
    ContextKey key;
    for (int d = 0; d < kMaxContext && d <= i - 2; ++d) {
      key.Set(d, s[i - d - 1]);
      Postfixes* p = nullptr;
      if (d == 0 || found) {
        p = dict.Find(d, key);
        found = p != nullptr;
      }
      if (found) {
        sc.Credit(d, p->prediction == next);
        if (dict.Increment(*p, next, entries[d] < kMmcMaxEntries)) ++entries[d];
      } else if (entries[d] < kMmcMaxEntries) {
        dict.Increment(dict.FindOrInsert(d, key), next, true);
        ++entries[d];
      }
    }
  }
  return Finish(sc.tally, n, alphabet);
}

// ---------------------------------------------------------------------------
// 6.3.10 LZ78Y: contexts of 1..16 samples, at most 65,536 contexts in all;
// the prediction is that of the context with the highest count, ties going to
// the longest context.

constexpr long kLzMaxContexts = 65536;

PredictorEstimate BinaryLz78y(std::span<const uint8_t> s) {
  const long len = static_cast<long>(s.size());
  BinaryDictionary dict;
  long contexts = 0;
  uint32_t pattern = 0;
  for (int j = 0; j < kMaxContext; ++j) {
    pattern |= uint32_t{s[kMaxContext - j - 1]} << j;
    dict.Entry(j + 1, pattern)[s[kMaxContext]] = 1;
    ++contexts;
  }
  pattern = 0;
  for (long i = 0; i < kMaxContext; ++i) pattern = (pattern << 1) | s[i];
  Tally tally;
  for (long i = kMaxContext + 1; i < len; ++i) {
    pattern = ((pattern << 1) | s[i - 1]) & 0xffff;
    const uint8_t next = s[i];
    if (i + 1 < len) dict.Prefetch((pattern << 2) | (next << 1) | s[i + 1]);
    uint32_t max_count = 0;
    uint8_t prediction = 2;
    for (int j = kMaxContext; j > 0; --j) {
      uint32_t* e = dict.Entry(j, pattern);
      const uint8_t guess = e[0] > e[1] ? 0 : 1;
      if (e[guess] != 0) {
        const bool better = e[guess] > max_count;
        max_count = better ? e[guess] : max_count;
        prediction = better ? guess : prediction;
        ++e[next];
      } else if (contexts < kLzMaxContexts) {
        e[next] = 1;
        ++contexts;
      }
    }
    tally.Score(prediction == next);
  }
  return Finish(tally, len - kMaxContext - 1, 2);
}

// Before the dictionary fills, every context seen so far is in it, so a
// context is there only if its shorter suffixes are: look-ups go from short to
// long and stop at the first miss. The one exception is made on the step that
// fills the dictionary (the reference adds long contexts first): its contexts
// from `orphan_length` up are in, their shorter suffixes may not be.
struct Orphans {
  long step = 0;
  int length = 0;  // 0: none
};

bool SameContext(std::span<const uint8_t> s, long a, long b, int length) {
  return std::memcmp(s.data() + a - length, s.data() + b - length, length) == 0;
}

// Fills found[1..16] for the contexts ending before sample i.
void LookUp(std::span<const uint8_t> s, long i, const Orphans& orphans,
            const std::array<ContextKey, kMaxContext + 1>& keys, ContextDictionary& dict,
            std::array<Postfixes*, kMaxContext + 1>& found) {
  int j = 1;
  for (; j <= kMaxContext && (found[j] = dict.Find(j - 1, keys[j])); ++j) {
  }
  if (j > kMaxContext || orphans.length == 0 || j >= orphans.length) return;
  if (!SameContext(s, i, orphans.step, orphans.length)) return;
  for (j = orphans.length; j <= kMaxContext && (found[j] = dict.Find(j - 1, keys[j])); ++j) {
  }
}

PredictorEstimate GeneralLz78y(std::span<const uint8_t> s, int alphabet) {
  const long len = static_cast<long>(s.size());
  ContextDictionary dict;
  long contexts = 0;
  for (int j = 1; j <= kMaxContext; ++j) {
    dict.Increment(dict.FindOrInsert(j - 1, ContextBefore(s, kMaxContext, j)), s[kMaxContext],
                   true);
    ++contexts;
  }
  Tally tally;
  Orphans orphans;
  std::array<ContextKey, kMaxContext + 1> keys;
  for (long i = kMaxContext + 1; i < len; ++i) {
    const uint8_t next = s[i];
    ContextKey key;
    for (int j = 1; j <= kMaxContext; ++j) {
      key.Set(j - 1, s[i - j]);
      keys[j] = key;
    }
    std::array<Postfixes*, kMaxContext + 1> found{};
    LookUp(s, i, orphans, keys, dict, found);
    bool have = false;
    uint8_t prediction = 0;
    uint32_t max_count = 0;
    for (int j = 1; j <= kMaxContext; ++j) {
      if (found[j] == nullptr) continue;
      if (found[j]->best >= max_count) {  // ties to the longer context
        max_count = found[j]->best;
        prediction = found[j]->prediction;
        have = true;
      }
      dict.Increment(*found[j], next, true);
    }
    bool inserted = false;
    for (int j = kMaxContext; j > 0 && contexts <= kLzMaxContexts; --j) {
      if (found[j] != nullptr) continue;
      if (contexts == kLzMaxContexts) {
        if (inserted) orphans = {i, j + 1};
        break;
      }
      dict.Increment(dict.FindOrInsert(j - 1, keys[j]), next, true);
      ++contexts;
      inserted = true;
    }
    tally.Score(have && prediction == next);
  }
  return Finish(tally, len - kMaxContext - 1, alphabet);
}

}  // namespace

std::optional<PredictorEstimate> EstimateMultiMmc(std::span<const uint8_t> s, int alphabet) {
  if (alphabet == 2) {
    if (s.size() < kMaxContext + 1) return std::nullopt;
    return BinaryMultiMmc(s);
  }
  if (s.size() < 3) return std::nullopt;
  return GeneralMultiMmc(s, alphabet);
}

std::optional<PredictorEstimate> EstimateLz78y(std::span<const uint8_t> s, int alphabet) {
  if (s.size() < kMaxContext + 2) return std::nullopt;
  return alphabet == 2 ? BinaryLz78y(s) : GeneralLz78y(s, alphabet);
}

}  // namespace egdstat
