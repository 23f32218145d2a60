// SPDX-License-Identifier: Apache-2.0
// Internal to the prediction estimators (estimate_predictors.cc and
// estimate_context_predictors.cc), not part of egdstat's API: the running
// tally of a predictor's hits, and the dictionaries of MultiMMC and LZ78Y
// (packed context keys, a flat open-addressed hash table, the follower counts
// per context, and the dense tables of the binary versions). Each estimator
// call owns its own dictionaries; nothing here is shared between threads.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "eval/estimate_predictors.h"

namespace egdstat::detail {

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

inline PredictorEstimate Finish(const Tally& t, long n, int alphabet) {
  return PredictionEstimate(t.correct, t.longest, n, alphabet);
}

// ---------------------------------------------------------------------------
// Dictionaries for MultiMMC and LZ78Y with more than two symbols: a context of
// up to 16 samples packed into 128 bits (most recent sample in the low byte),
// in flat open-addressed tables; each context has an id, and the counts of the
// samples that followed it live in one table keyed by (id, sample).

inline constexpr int kMaxContext = 16;

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

inline uint64_t Mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ULL;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dULL;
  return x ^ (x >> 33);
}
inline uint64_t HashOf(const ContextKey& k) {
  return Mix(k.lo ^ Mix(k.hi + 0x9e3779b97f4a7c15ULL));
}
inline uint64_t HashOf(uint64_t k) { return Mix(k); }

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
inline bool Used(const Postfixes& p) { return p.id != 0; }
inline bool Used(uint32_t count) { return count != 0; }

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
ContextKey ContextBefore(std::span<const uint8_t> s, long end, int length);

// Counts per (context, next bit) for contexts of 1..16 bits, dense: the pair
// for context bits c (most recent bit lowest) of length m is at
// table[m][2c + next]. A context is present when either count is non-zero.
class BinaryDictionary {
 public:
  BinaryDictionary();
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

}  // namespace egdstat::detail
