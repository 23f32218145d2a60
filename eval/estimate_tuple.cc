// SPDX-License-Identifier: Apache-2.0
#include "eval/estimate_tuple.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <climits>
#include <cmath>
#include <utility>

#include "eval/entropy_estimators.h"

namespace egdstat {
namespace {

// Suffix positions and LCP values: int32 halves the memory of size_t (the
// reference uses the same type, so it handles the same lengths).
using Index = int32_t;
using Group = std::pair<uint32_t, uint32_t>;  // [begin, end) in the suffix array

// The samples packed `bits` (1, 2, 4 or 8) to a symbol, first symbol most
// significant, so that a window of 64 / bits symbols compares as one integer.
// An 8M-bit bitstring takes 1 MB and stays in cache.
class PackedText {
 public:
  PackedText(std::span<const uint8_t> samples, int alphabet) : n_(samples.size()) {
    while ((1 << bits_) < alphabet) bits_ *= 2;
    bits_log2_ = std::countr_zero(static_cast<unsigned>(bits_));
    per_window_ = static_cast<size_t>(64 / bits_);
    words_.assign(n_ * static_cast<size_t>(bits_) / 64 + 2, 0);
    for (size_t p = 0; p < n_; ++p) {
      size_t off = p * static_cast<size_t>(bits_);
      words_[off / 64] |= uint64_t{samples[p]} << (64 - static_cast<size_t>(bits_) - off % 64);
    }
  }

  size_t size() const { return n_; }
  size_t per_window() const { return per_window_; }

  // Symbols p .. p + per_window - 1 (p < size), zeros past the end.
  uint64_t Window(size_t p) const {
    size_t off = p * static_cast<size_t>(bits_);
    size_t shift = off % 64;
    uint64_t w = words_[off / 64] << shift;
    return shift == 0 ? w : w | words_[off / 64 + 1] >> (64 - shift);
  }

  // How many leading symbols two windows share (per_window if equal).
  size_t CommonSymbols(uint64_t a, uint64_t b) const {
    return static_cast<size_t>(std::countl_zero(a ^ b) >> bits_log2_);  // no division: hot
  }

  // The common prefix length of suffixes i and j, known to be at least h.
  size_t CommonPrefix(size_t i, size_t j, size_t h) const {
    const size_t limit = n_ - std::max(i, j);
    while (h < limit) {
      size_t common = CommonSymbols(Window(i + h), Window(j + h));
      if (common < per_window_) return std::min(limit, h + common);
      h += per_window_;
    }
    return limit;
  }

 private:
  size_t n_;
  int bits_ = 1;
  int bits_log2_ = 0;
  size_t per_window_ = 64;
  std::vector<uint64_t> words_;
};

// A suffix keyed by its first window. A suffix shorter than the window sorts
// before a longer one with the same (zero-padded) window, which makes the key
// order the suffix order up to one window.
struct WindowKey {
  uint64_t window;
  uint8_t length;  // min(suffix length, per_window)
  auto operator<=>(const WindowKey&) const = default;
};

// Ranks follow Larsson and Sadakane: every suffix of a group of suffixes that
// tie so far is ranked by the group's last index in the suffix array.
void RankGroup(std::span<const Index> sa, size_t begin, size_t end, std::vector<Index>& rank,
               std::vector<Group>* tied) {
  for (size_t x = begin; x < end; ++x) rank[static_cast<size_t>(sa[x])] = static_cast<Index>(end - 1);
  if (end - begin > 1) tied->push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(end)});
}

// Groups of up to this many suffixes are sorted as (key, suffix) copies of 16
// bytes, faster than through the suffix array; larger ones (long runs, tiny
// periods) in place, so that scratch memory stays under 16 MB.
constexpr size_t kCopiedGroup = size_t{1} << 20;

// Sorts sa[begin, end) by key_of(suffix), then ranks each run of equal keys
// as a group (appended to *tied if it has more than one suffix). The runs are
// found before any rank changes, since key_of may read ranks of this group.
// `keyed` is scratch, kept by the caller across calls.
template <typename Key, typename KeyOf>
void SortAndRank(size_t begin, size_t end, KeyOf key_of, std::vector<std::pair<Key, Index>>& keyed,
                 std::vector<Index>& sa, std::vector<Index>& rank, std::vector<Group>* tied) {
  std::span<Index> group(sa.data() + begin, end - begin);
  if (group.size() <= kCopiedGroup) {
    keyed.clear();
    for (Index p : group) keyed.push_back({key_of(p), p});
    std::sort(keyed.begin(), keyed.end());
    for (size_t i = 0; i < group.size(); ++i) group[i] = keyed[i].second;
  } else {
    std::sort(group.begin(), group.end(), [&](Index a, Index b) { return key_of(a) < key_of(b); });
  }
  // Mark the last suffix of each run (~p), then rank the runs.
  for (size_t i = 0; i + 1 < group.size(); ++i) {
    if (key_of(group[i]) != key_of(group[i + 1])) group[i] = ~group[i];
  }
  size_t run = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    if (group[i] < 0 || i + 1 == group.size()) {
      if (group[i] < 0) group[i] = ~group[i];
      RankGroup(sa, begin + run, begin + i + 1, rank, tied);
      run = i + 1;
    }
  }
}

// First step: sorts all suffixes by their first window (buckets on the
// window's top bits, then a sort per bucket) and returns the groups that tie.
std::vector<Group> SortByWindow(const PackedText& text, std::vector<Index>& sa,
                                std::vector<Index>& rank) {
  const size_t n = text.size();
  const int top_bits = std::clamp(static_cast<int>(std::bit_width(n / 8)), 1, 20);
  std::vector<uint32_t> start((size_t{1} << top_bits) + 1, 0);
  auto bucket = [&](size_t p) { return static_cast<size_t>(text.Window(p) >> (64 - top_bits)); };
  for (size_t p = 0; p < n; ++p) ++start[bucket(p) + 1];
  for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
  std::vector<uint32_t> next(start.begin(), start.end() - 1);
  for (size_t p = 0; p < n; ++p) sa[next[bucket(p)]++] = static_cast<Index>(p);

  auto key_of = [&](Index p) {
    const size_t q = static_cast<size_t>(p);
    return WindowKey{text.Window(q), static_cast<uint8_t>(std::min(n - q, text.per_window()))};
  };
  std::vector<Group> tied;
  std::vector<std::pair<WindowKey, Index>> keyed;
  for (size_t b = 0; b + 1 < start.size(); ++b) {
    if (start[b + 1] - start[b] == 1) {
      RankGroup(sa, start[b], start[b + 1], rank, &tied);
    } else if (start[b + 1] > start[b]) {
      SortAndRank(start[b], start[b + 1], key_of, keyed, sa, rank, &tied);
    }
  }
  return tied;
}

// Prefix doubling on the tied groups only (Larsson and Sadakane): suffixes
// that share h symbols are ordered by the rank of the suffix h further on.
// O(n log n) at worst; for data that looks random few groups tie at all.
void RefineGroups(std::vector<Group> tied, size_t h, std::vector<Index>& sa,
                  std::vector<Index>& rank) {
  const size_t n = sa.size();
  std::vector<std::pair<Index, Index>> keyed;
  while (!tied.empty()) {
    auto key_of = [&](Index p) {
      const size_t q = static_cast<size_t>(p) + h;
      return q < n ? rank[q] : -1;
    };
    std::vector<Group> next;
    for (auto [begin, end] : tied) SortAndRank(begin, end, key_of, keyed, sa, rank, &next);
    tied = std::move(next);
    h *= 2;
  }
}

// Replaces the suffix array by its LCP array (lcp[k]: the common prefix of
// suffixes sa[k-1] and sa[k]; lcp[0] = 0), with `scratch` as working memory.
// Kärkkäinen, Manzini and Puglisi's permuted LCP: in text order each length
// is at least the previous one minus one, so the comparisons total O(n).
void SuffixArrayToLcp(const PackedText& text, std::vector<Index>& sa, std::vector<Index>& scratch) {
  std::vector<Index>& phi = scratch;  // phi[sa[k]] = sa[k-1], then the permuted LCP
  phi[static_cast<size_t>(sa[0])] = -1;
  for (size_t k = 1; k < sa.size(); ++k) phi[static_cast<size_t>(sa[k])] = sa[k - 1];
  size_t h = 0;
  for (size_t i = 0; i < phi.size(); ++i) {
    if (phi[i] < 0) {
      phi[i] = 0;
      h = 0;
      continue;
    }
    h = text.CommonPrefix(i, static_cast<size_t>(phi[i]), h);
    phi[i] = static_cast<Index>(h);
    if (h > 0) --h;
  }
  for (Index& s : sa) s = phi[static_cast<size_t>(s)];
}

// Walks the LCP intervals bottom-up with a stack, fed the LCP array in
// suffix order. An interval of `size` suffixes sharing `depth` symbols, whose
// enclosing interval shares `parent`, is one t-tuple occurring `size` times
// for every parent < t <= depth.
class LcpWalker {
 public:
  // The common prefix of the next two adjacent suffixes.
  void Add(size_t depth) {
    size_t begin = next_ - 1;
    while (depth < stack_.back().depth) begin = Close(depth);
    if (depth > stack_.back().depth) {
      if (depth + 2 > best_.size()) Grow(depth);
      stack_.push_back({static_cast<uint32_t>(depth), static_cast<uint32_t>(begin)});
    }
    ++next_;
  }

  // After samples - 1 calls to Add.
  RepeatProfile Finish() {
    while (stack_.back().depth > 0) Close(0);
    RepeatProfile r;
    r.samples = next_;
    r.longest = best_.size() - 2;
    r.max_count.assign(r.longest + 1, 1);
    r.pair_count.assign(r.longest + 1, 0);
    for (size_t t = r.longest; t >= 1; --t) {
      best_[t] = std::max(best_[t], best_[t + 1]);  // a longer tuple's count bounds a shorter one's
      r.max_count[t] = best_[t];
    }
    for (size_t t = 1; t <= r.longest; ++t) r.pair_count[t] = r.pair_count[t - 1] + pairs_[t];
    return r;
  }

 private:
  struct Open {  // 32 bits: the stack is as deep as the longest repeat
    uint32_t depth, begin;
  };

  void Grow(size_t depth) {
    best_.resize(depth + 2, 1);
    pairs_.resize(depth + 2, 0);
  }

  // Closes the innermost interval at suffix next_ - 1; returns where it began.
  size_t Close(size_t depth) {
    const Open top = stack_.back();
    stack_.pop_back();
    const uint64_t size = next_ - top.begin;
    const size_t parent = std::max<size_t>(depth, stack_.back().depth);
    best_[top.depth] = std::max(best_[top.depth], static_cast<uint32_t>(size));
    pairs_[parent + 1] += size * (size - 1) / 2;  // differences over t, mod 2^64
    pairs_[top.depth + 1] -= size * (size - 1) / 2;
    return top.begin;
  }

  size_t next_ = 1;                 // the suffix the next Add reaches
  std::vector<Open> stack_ = {{0, 0}};
  std::vector<uint32_t> best_ = {1, 1};  // the largest interval of each depth
  std::vector<uint64_t> pairs_ = {0, 0};
};

// Stable counting sort of `in` into `out` by the 11 bits of each value that
// start `skip` bits from the top: 2048 buckets keep the write cursors in cache.
constexpr int kRadixBits = 11;

void RadixPass(std::span<const uint64_t> in, int skip, std::span<uint64_t> out) {
  auto digit = [skip](uint64_t w) { return static_cast<size_t>(w << skip >> (64 - kRadixBits)); };
  std::array<uint32_t, (1 << kRadixBits) + 1> next{};
  for (uint64_t w : in) ++next[digit(w) + 1];
  for (size_t b = 1; b < next.size(); ++b) next[b] += next[b - 1];
  for (uint64_t w : in) out[next[digit(w)]++] = w;
}

// Insertion sort that gives up (false, v permuted) after `budget` moves.
bool InsertionSort(std::span<uint64_t> v, size_t budget) {
  for (size_t i = 1; i < v.size(); ++i) {
    uint64_t w = v[i];
    size_t j = i;
    for (; j > 0 && v[j - 1] > w; --j) v[j] = v[j - 1];
    v[j] = w;
    budget -= std::min(budget, i - j);
    if (budget == 0) return false;
  }
  return true;
}

// Sorts windows that share their top `skip` bits. For data that looks random
// two cached radix passes (least significant digit first) leave it sorted but
// for rare ties in 22 more bits, which insertion sort then finishes in one
// sweep; skewed data goes to std::sort.
void SortWindowRange(std::span<uint64_t> v, int skip, std::vector<uint64_t>& scratch) {
  constexpr size_t kSmall = 16;
  if (v.size() <= kSmall && InsertionSort(v, v.size() * v.size())) return;
  if (v.size() <= (size_t{1} << 16) && skip + kRadixBits < 64) {
    scratch.resize(v.size());
    RadixPass(v, skip + kRadixBits, scratch);
    RadixPass(scratch, skip, v);
    if (InsertionSort(v, 4 * v.size())) return;
  }
  std::sort(v.begin(), v.end());
}

// Sets *out to the windows of the first `count` suffixes, sorted (MSD
// radix sort), and *tied to the values two or more of them share, ascending.
// Returns false as soon as more than `max_tied` windows share their value.
bool SortWindows(const PackedText& text, size_t count, size_t max_tied, std::vector<uint64_t>* out,
                 std::vector<uint64_t>* tied) {
  // The first pass reads the windows from the text twice rather than holding
  // a second copy of them.
  auto top = [](uint64_t w) { return static_cast<size_t>(w >> (64 - kRadixBits)); };
  std::array<uint32_t, (1 << kRadixBits) + 1> next{};
  for (size_t p = 0; p < count; ++p) ++next[top(text.Window(p)) + 1];
  for (size_t b = 1; b < next.size(); ++b) next[b] += next[b - 1];
  std::vector<uint64_t>& windows = *out;
  std::vector<uint64_t> scratch;
  windows.resize(count);
  for (size_t p = 0; p < count; ++p) {
    uint64_t w = text.Window(p);
    windows[next[top(w)]++] = w;
  }
  size_t tied_windows = 0;
  for (size_t b = 0; b < count;) {
    size_t e = b + 1;
    while (e < count && top(windows[e]) == top(windows[b])) ++e;
    std::span<uint64_t> range = std::span(windows).subspan(b, e - b);
    SortWindowRange(range, kRadixBits, scratch);
    for (auto it = std::adjacent_find(range.begin(), range.end()); it != range.end();
         it = std::adjacent_find(it, range.end())) {
      const auto run_end = std::find_if(it, range.end(), [&](uint64_t w) { return w != *it; });
      tied_windows += static_cast<size_t>(run_end - it);
      if (tied_windows > max_tied) return false;
      tied->push_back(*it);
      it = run_end;
    }
    b = e;
  }
  return true;
}

// Suffix order for two suffixes of at least a window that share their first.
bool SuffixLess(const PackedText& text, size_t a, size_t b) {
  const size_t h = text.CommonPrefix(a, b, text.per_window());
  if (h == text.size() - std::max(a, b)) return a > b;  // the shorter is a prefix of the other
  return text.Window(a + h) < text.Window(b + h);
}

// The positions of the windows with a tied value, as (window, position) in
// suffix order. A bitset on a hash of the values spares most windows the
// binary search.
std::vector<std::pair<uint64_t, Index>> TiedSuffixes(const PackedText& text, size_t count,
                                                     const std::vector<uint64_t>& tied) {
  constexpr int kFilterBits = 20;
  auto slot = [](uint64_t w) {
    return static_cast<size_t>((w * 0x9e3779b97f4a7c15ULL) >> (64 - kFilterBits));
  };
  std::vector<uint64_t> filter((size_t{1} << kFilterBits) / 64, 0);
  for (uint64_t w : tied) filter[slot(w) / 64] |= uint64_t{1} << (slot(w) % 64);
  std::vector<std::pair<uint64_t, Index>> out;
  for (size_t p = 0; p < count; ++p) {
    const uint64_t w = text.Window(p);
    if (((filter[slot(w) / 64] >> (slot(w) % 64)) & 1) != 0 &&
        std::binary_search(tied.begin(), tied.end(), w)) {
      out.push_back({w, static_cast<Index>(p)});
    }
  }
  std::sort(out.begin(), out.end(), [&](const auto& x, const auto& y) {
    if (x.first != y.first) return x.first < y.first;
    return SuffixLess(text, static_cast<size_t>(x.second), static_cast<size_t>(y.second));
  });
  return out;
}

// The fast path: the sorted windows give the LCP array of the suffixes that
// differ within a window; the few that share a whole window (as in data that
// looks random, or merely biased) are ordered and compared in full. Returns
// false, having fed the walker nothing, if too many share one (long repeats,
// periodic data): the suffix array does better there.
bool WalkWindows(const PackedText& text, LcpWalker* walker) {
  const size_t n = text.size();
  const size_t full = n >= text.per_window() ? n - text.per_window() + 1 : 0;
  std::vector<uint64_t> windows, tied_values;
  const size_t max_tied = std::max<size_t>(full / 64, 1024);
  if (!SortWindows(text, full, max_tied, &windows, &tied_values)) return false;
  const std::vector<std::pair<uint64_t, Index>> tied = TiedSuffixes(text, full, tied_values);
  // The suffixes shorter than a window, as (window, length); they sort before
  // a longer suffix with the same zero-padded window.
  std::vector<std::pair<uint64_t, size_t>> tail;
  for (size_t p = full; p < n; ++p) tail.push_back({text.Window(p), n - p});
  std::sort(tail.begin(), tail.end());
  uint64_t prev = 0;
  size_t prev_length = 0;  // 0 before the first suffix
  auto next = [&](uint64_t window, size_t length) {
    if (prev_length > 0) {
      walker->Add(std::min({text.CommonSymbols(prev, window), prev_length, length}));
    }
    prev = window;
    prev_length = length;
  };
  size_t j = 0, t = 0;
  for (size_t k = 0; k < windows.size(); ++k) {
    const uint64_t window = windows[k];
    for (; j < tail.size() && tail[j].first <= window; ++j) next(tail[j].first, tail[j].second);
    next(window, text.per_window());
    if (t < tied.size() && tied[t].first == window) {  // a run of equal windows, in suffix order
      for (++t, ++k; t < tied.size() && tied[t].first == window; ++t, ++k) {
        walker->Add(text.CommonPrefix(static_cast<size_t>(tied[t - 1].second),
                                      static_cast<size_t>(tied[t].second), text.per_window()));
      }
      --k;
    }
  }
  for (; j < tail.size(); ++j) next(tail[j].first, tail[j].second);
  return true;
}

// Constant data (a stuck source), in closed form rather than through a
// suffix array: each t-tuple occurs at every one of the n - t + 1 positions.
RepeatProfile ConstantProfile(size_t n) {
  RepeatProfile r;
  r.samples = n;
  r.longest = n - 1;
  r.max_count.assign(n, 1);
  r.pair_count.assign(n, 0);
  for (size_t t = 1; t < n; ++t) {
    const uint64_t occurrences = n - t + 1;
    r.max_count[t] = static_cast<uint32_t>(occurrences);
    r.pair_count[t] = occurrences * (occurrences - 1) / 2;
  }
  return r;
}

double UpperBound(double p, size_t samples) {
  return std::min(1.0, p + kZAlpha * std::sqrt(p * (1.0 - p) / static_cast<double>(samples - 1)));
}

// u: the shortest length with no tuple occurring kTupleMinCount times.
size_t FirstRareLength(const RepeatProfile& profile) {
  size_t u = 1;
  while (u <= profile.longest && profile.max_count[u] >= kTupleMinCount) ++u;
  return u;
}

}  // namespace

RepeatProfile AnalyzeRepeats(std::span<const uint8_t> samples, int alphabet) {
  const size_t n = samples.size();
  assert(n < static_cast<size_t>(INT32_MAX));
  if (n < 2) {
    RepeatProfile r;
    r.samples = n;
    r.max_count.assign(1, 1);
    r.pair_count.assign(1, 0);
    return r;
  }
  if (std::all_of(samples.begin(), samples.end(), [&](uint8_t x) { return x == samples[0]; })) {
    return ConstantProfile(n);
  }
  PackedText text(samples, alphabet);
  LcpWalker walker;
  if (WalkWindows(text, &walker)) return walker.Finish();
  std::vector<Index> sa(n), rank(n);
  RefineGroups(SortByWindow(text, sa, rank), text.per_window(), sa, rank);
  SuffixArrayToLcp(text, sa, rank);
  rank = {};  // the walker may need as much for a long repeat
  for (size_t k = 1; k < n; ++k) walker.Add(static_cast<size_t>(sa[k]));
  return walker.Finish();
}

TupleEstimate EstimateTTuple(const RepeatProfile& profile) {
  TupleEstimate r;
  const size_t u = FirstRareLength(profile);
  double p_max = -1.0;
  for (size_t i = 1; i < u; ++i) {
    double p = static_cast<double>(profile.max_count[i]) / static_cast<double>(profile.samples - i + 1);
    p_max = std::max(p_max, std::pow(p, 1.0 / static_cast<double>(i)));
  }
  if (!(p_max > 0.0)) return r;
  r.valid = true;
  r.t = u - 1;
  r.p_hat_max = p_max;
  r.p_u = UpperBound(p_max, profile.samples);
  r.min_entropy = -std::log2(r.p_u);
  return r;
}

LrsEstimate EstimateLrs(const RepeatProfile& profile) {
  LrsEstimate r;
  r.u = FirstRareLength(profile);
  r.v = profile.longest;
  if (r.v < r.u) return r;
  // Pairs of overlapping i-tuples: C(L - i + 1, 2), in integers as the reference.
  const uint64_t n = profile.samples;
  double p_max = 0.0;
  for (size_t i = r.u; i <= r.v; ++i) {
    double p = static_cast<double>(profile.pair_count[i]) /
               static_cast<double>(((n - i) * (n - i + 1)) >> 1);
    p_max = std::max(p_max, std::pow(p, 1.0 / static_cast<double>(i)));
  }
  r.valid = true;
  r.p_hat = p_max;
  r.p_u = UpperBound(p_max, profile.samples);
  r.min_entropy = -std::log2(r.p_u);
  return r;
}

TupleEstimate EstimateTTuple(std::span<const uint8_t> samples, int alphabet) {
  return EstimateTTuple(AnalyzeRepeats(samples, alphabet));
}

LrsEstimate EstimateLrs(std::span<const uint8_t> samples, int alphabet) {
  return EstimateLrs(AnalyzeRepeats(samples, alphabet));
}

}  // namespace egdstat
