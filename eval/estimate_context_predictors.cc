// SPDX-License-Identifier: Apache-2.0
// 6.3.10 LZ78Y, in a binary version (alphabet 2, dense tables) and a general
// one (hashed dictionaries), as the reference has them. Its dictionaries are
// in predictor_dictionaries.h; 6.3.9 MultiMMC is in estimate_mmc.cc.
#include <algorithm>
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
// 6.3.10 LZ78Y: contexts of 1..16 samples, at most 65,536 contexts in all;
// the prediction is that of the context with the highest count, ties going to
// the longest context.

constexpr long kLzMaxContexts = 65536;

// The binary version, with dense tables. A context's follower counts bound
// those of its longer extensions (whenever these are counted, it is too), as
// long as its shorter suffixes are all in the dictionary: true for every
// context but those the step that fills the dictionary adds without a shorter
// suffix (the reference adds long contexts first; see Orphans below). Then
// the highest count is the shortest context's, and the prediction is that of
// the longest context matching it: a scan from the shortest that usually
// stops at the second. Steps whose contexts may be such orphans scan all
// lengths as the reference does.
class BinaryLz78y {
 public:
  explicit BinaryLz78y(std::span<const uint8_t> s) : s_(s) {
    uint32_t pattern = 0;
    for (int j = 0; j < kMaxContext; ++j) {
      pattern |= uint32_t{s[kMaxContext - j - 1]} << j;
      dict_.Entry(j + 1, pattern)[s[kMaxContext]] = 1;
      ++contexts_;
    }
  }

  PredictorEstimate Run() {
    const long len = static_cast<long>(s_.size());
    uint32_t pattern = 0;
    for (long i = 0; i < kMaxContext; ++i) pattern = (pattern << 1) | s_[i];
    for (long i = kMaxContext + 1; i < len; ++i) {
      pattern = ((pattern << 1) | s_[i - 1]) & 0xffff;
      const uint8_t next = s_[i];
      const bool nested = ((pattern ^ orphan_pattern_) & orphan_mask_) != 0 || orphan_mask_ == 0;
      const uint32_t prediction = nested ? ShortestFirst(pattern) : LongestFirst(pattern);
      tally_.Score(prediction == next);
      Count(pattern, next);
    }
    return Finish(tally_, len - kMaxContext - 1, 2);
  }

 private:
  // The prediction (2: none) when counts nest.
  uint32_t ShortestFirst(uint32_t pattern) {
    const uint32_t* e = dict_.Entry(1, pattern);
    const uint32_t top = std::max(e[0], e[1]);
    if (top == 0) return 2;
    uint32_t prediction = e[1] >= e[0];
    for (int j = 2; j <= kMaxContext; ++j) {
      e = dict_.Entry(j, pattern);
      if (std::max(e[0], e[1]) != top) break;  // lower, or no context
      prediction = e[1] >= e[0];
    }
    return prediction;
  }

  // The prediction as the reference finds it: the highest count, ties to the
  // longer context.
  uint32_t LongestFirst(uint32_t pattern) {
    uint32_t max_count = 0, prediction = 2;
    for (int j = kMaxContext; j > 0; --j) {
      const uint32_t* e = dict_.Entry(j, pattern);
      const uint32_t guess = e[0] > e[1] ? 0 : 1;
      if (e[guess] > max_count) {
        max_count = e[guess];
        prediction = guess;
      }
    }
    return prediction;
  }

  // Counts `next` after each context, adding those not in the dictionary
  // while there is room, longest first.
  void Count(uint32_t pattern, uint8_t next) {
    if (contexts_ >= kLzMaxContexts) {  // full: no branches, presence is a coin toss
      for (int j = kMaxContext; j > 0; --j) {
        uint32_t* e = dict_.Entry(j, pattern);
        e[next] += (e[0] | e[1]) != 0;
      }
      return;
    }
    if (contexts_ + kMaxContext <= kLzMaxContexts) {  // room for all: each is counted
      for (int j = kMaxContext; j > 0; --j) {
        uint32_t* e = dict_.Entry(j, pattern);
        contexts_ += (e[0] | e[1]) == 0;
        ++e[next];
      }
      return;
    }
    bool added = false;
    for (int j = kMaxContext; j > 0; --j) {
      uint32_t* e = dict_.Entry(j, pattern);
      if ((e[0] | e[1]) != 0) {
        ++e[next];
      } else if (contexts_ < kLzMaxContexts) {
        e[next] = 1;
        ++contexts_;
        added = true;
      } else if (added && orphan_mask_ == 0) {
        // A longer context went in, this one not: contexts of this step from
        // length j + 1 up may be orphans.
        orphan_pattern_ = pattern;
        orphan_mask_ = (2u << j) - 1;
      }
    }
  }

  std::span<const uint8_t> s_;
  BinaryDictionary dict_;
  long contexts_ = 0;
  // Orphans are possible only in steps whose last j + 1 bits (mask) are these.
  uint32_t orphan_pattern_ = 0;
  uint32_t orphan_mask_ = 0;  // 0: none
  Tally tally_;
};

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
// `key`: the 16 samples before sample i.
void LookUp(std::span<const uint8_t> s, long i, const Orphans& orphans, const ContextKey& key,
            ContextDictionary& dict, std::array<Postfixes*, kMaxContext + 1>& found) {
  int j = 1;
  for (; j <= kMaxContext && (found[j] = dict.Find(j - 1, Truncated(key, j))); ++j) {
  }
  if (j > kMaxContext || orphans.length == 0 || j >= orphans.length) return;
  if (!SameContext(s, i, orphans.step, orphans.length)) return;
  for (j = orphans.length; j <= kMaxContext && (found[j] = dict.Find(j - 1, Truncated(key, j)));
       ++j) {
  }
}

PredictorEstimate GeneralLz78y(std::span<const uint8_t> s, int alphabet) {
  constexpr long kAhead = 8;
  const long len = static_cast<long>(s.size());
  ContextDictionary dict;
  long contexts = 0;
  for (int j = 1; j <= kMaxContext; ++j) {
    dict.Increment(j - 1, dict.FindOrInsert(j - 1, ContextBefore(s, kMaxContext, j)),
                   s[kMaxContext], true);
    ++contexts;
  }
  Tally tally;
  Orphans orphans;
  for (long i = kMaxContext + 1; i < len; ++i) {
    const uint8_t next = s[i];
    const ContextKey key = ContextBefore(s, i, kMaxContext);
    if (i + kAhead < len) {  // the look-ups that miss the cache most, in advance
      const ContextKey later = ContextBefore(s, i + kAhead, kMaxContext);
      for (int j = 2; j <= 4; ++j) dict.Prefetch(j - 1, Truncated(later, j));
    }
    std::array<Postfixes*, kMaxContext + 1> found{};
    LookUp(s, i, orphans, key, dict, found);
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
      dict.Increment(j - 1, *found[j], next, true);
    }
    bool inserted = false;
    for (int j = kMaxContext; j > 0 && contexts <= kLzMaxContexts; --j) {
      if (found[j] != nullptr) continue;
      if (contexts == kLzMaxContexts) {
        if (inserted) orphans = {i, j + 1};
        break;
      }
      dict.Increment(j - 1, dict.FindOrInsert(j - 1, Truncated(key, j)), next, true);
      ++contexts;
      inserted = true;
    }
    tally.Score(have && prediction == next);
  }
  return Finish(tally, len - kMaxContext - 1, alphabet);
}

}  // namespace

std::optional<PredictorEstimate> EstimateLz78y(std::span<const uint8_t> s, int alphabet) {
  if (s.size() < kMaxContext + 2) return std::nullopt;
  return alphabet == 2 ? BinaryLz78y(s).Run() : GeneralLz78y(s, alphabet);
}

}  // namespace egdstat
