// SPDX-License-Identifier: Apache-2.0
// 6.3.9 MultiMMC and 6.3.10 LZ78Y, each in a binary version (alphabet 2, dense
// tables) and a general one (hashed dictionaries), as the reference has them.
// Their dictionaries are in predictor_dictionaries.h.
#include <array>
#include <cstring>
#include <vector>

#include "eval/estimate_predictors.h"
#include "eval/predictor_dictionaries.h"

namespace egdstat {

using detail::BinaryDictionary;
using detail::ContextBefore;
using detail::ContextDictionary;
using detail::ContextKey;
using detail::Finish;
using detail::kMaxContext;
using detail::Postfixes;
using detail::Tally;

namespace {

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
