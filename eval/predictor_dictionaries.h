// SPDX-License-Identifier: Apache-2.0
// Internal to the prediction estimators (estimate_predictors.cc,
// estimate_mmc.cc and estimate_context_predictors.cc), not part of egdstat's
// API: the running tally of a predictor's hits, the scoreboard that picks the
// winner among several predictors, and the dictionaries of MultiMMC and LZ78Y
// (packed context keys, a flat open-addressed hash table, the follower counts
// per context, and the dense tables of the binary versions). Each estimator
// call owns its own dictionaries; nothing here is shared between threads.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "eval/estimate_predictors.h"

namespace egdstat::detail {

// Bits set in x. Without a popcount instruction in the target (x86-64's
// baseline has none) std::popcount calls libgcc; this is inline.
inline int Popcount(uint64_t x) {
#if defined(__POPCNT__) || !defined(__x86_64__)
  return std::popcount(x);
#else
  x -= (x >> 1) & 0x5555555555555555ULL;
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
#endif
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
  // Scores `n` (1..64) predictions at once, the first in the lowest bit.
  void Score(uint64_t hits, int n) {
    const uint64_t all = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    correct += Popcount(hits);
    if (hits == all) {
      run += n;
      longest = std::max(longest, run);
      return;
    }
    longest = std::max(longest, run + std::countr_one(hits));
    long inner = 0;  // the longest run inside: each step shortens every run by one
    for (uint64_t x = hits; x != 0; x &= x << 1) ++inner;
    longest = std::max(longest, inner);
    run = std::countl_one(hits << (64 - n));
  }
};

inline PredictorEstimate Finish(const Tally& t, long n, int alphabet) {
  return PredictionEstimate(t.correct, t.longest, n, alphabet);
}

// The reference's scoreboard for several predictors (MultiMMC's orders,
// MultiMCW's windows): each sample, the predictors that predicted are credited
// in order; one whose score reaches the highest becomes the winner, and the
// winner at the start of a sample is the one tallied (when it predicted at
// all). Fed the predictions a block of up to 64 samples at a time, as bits:
// a predictor that cannot reach the high score within the block, even
// hitting every time, only has its hits added; while the winner cannot change,
// its block is tallied at once.
template <int kCount>
class Scoreboard {
 public:
  // Bit b of found[d] (hit[d]): predictor d predicted (rightly) sample b of
  // the block; hit implies found. n: samples in the block, 1..64.
  void Block(const std::array<uint64_t, kCount>& found, const std::array<uint64_t, kCount>& hit,
             int n) {
    uint32_t rivals = 0;
    for (int d = 0; d < kCount; ++d) {
      const long hits = Popcount(hit[d]);
      if (hits > 0 && score_[d] + hits >= high_) {
        rivals |= 1u << d;
      } else {
        score_[d] += hits;
      }
    }
    const uint64_t all = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    if ((rivals & ~(1u << winner_)) == 0 && found[winner_] == all) {
      tally_.Score(hit[winner_], n);  // the winner stays: its hits keep it ahead
      score_[winner_] += (rivals != 0) * Popcount(hit[winner_]);
      high_ = score_[winner_];
      return;
    }
    for (int b = 0; b < n; ++b) Sample(found, hit, b, rivals);
  }
  const Tally& tally() const { return tally_; }

 private:
  void Sample(const std::array<uint64_t, kCount>& found, const std::array<uint64_t, kCount>& hit,
              int b, uint32_t rivals) {
    const int current = winner_;
    if ((found[current] >> b) & 1) tally_.Score(((hit[current] >> b) & 1) != 0);
    for (uint32_t m = rivals; m != 0; m &= m - 1) {  // no branches: hits are coin tosses
      const int d = std::countr_zero(m);
      const long h = static_cast<long>((hit[d] >> b) & 1);
      const long score = score_[d] += h;
      const bool lead = h != 0 && score >= high_;
      winner_ = lead ? d : winner_;
      high_ = lead ? score : high_;
    }
  }

  std::array<long, kCount> score_{};
  int winner_ = 0;
  long high_ = 0;  // score_[winner_], always the highest score
  Tally tally_;
};

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
  // Room for `n` keys without growing.
  void Reserve(size_t n) {
    size_t slots = 64;
    while (5 * n > 4 * slots) slots *= 2;
    if (slots > slots_.size()) Rehash(slots);
  }
  // (Always inlined: GCC takes a function that only prefetches for one
  // without effects, and drops calls to it.)
  [[gnu::always_inline]] void Prefetch(const Key& key) const {
    __builtin_prefetch(&slots_[HashOf(key) & mask_]);
  }
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
  void Grow() { Rehash(std::max<size_t>(64, 2 * slots_.size())); }
  void Rehash(size_t slots) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(slots, Slot{});
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

// The contexts of one order (context length order + 1) with the counts of
// their followers. Contexts of one and two samples are few enough to index
// directly; longer ones are hashed.
class OrderDictionary {
 public:
  // `contexts`: how many contexts to make room for up front (a hint).
  OrderDictionary(int order, size_t contexts);
  Postfixes* Find(const ContextKey& key) {
    if (dense_.empty()) return contexts_.Find(key);
    Postfixes* p = &Dense(key);
    return Used(*p) ? p : nullptr;
  }
  Postfixes& FindOrInsert(const ContextKey& key) {
    Postfixes& p = dense_.empty() ? contexts_.FindOrInsert(key) : Dense(key);
    if (p.id == 0) p.id = ++ids_;
    return p;
  }
  [[gnu::always_inline]] void Prefetch(const ContextKey& key) const {
    if (dense_.empty()) {
      contexts_.Prefetch(key);
    } else {
      __builtin_prefetch(&dense_[key.lo & (dense_.size() - 1)]);
    }
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
  Postfixes& Dense(const ContextKey& key) { return dense_[key.lo & (dense_.size() - 1)]; }
  std::vector<Postfixes> dense_;  // orders 0 and 1: indexed by the key
  FlatMap<ContextKey, Postfixes> contexts_;
  FlatMap<uint64_t, uint32_t> counts_;  // (context id, follower) beyond the first follower
  uint32_t ids_ = 0;
};

// The dictionaries of every order, as LZ78Y uses them.
class ContextDictionary {
 public:
  ContextDictionary();
  Postfixes* Find(int order, const ContextKey& key) { return orders_[order].Find(key); }
  Postfixes& FindOrInsert(int order, const ContextKey& key) {
    return orders_[order].FindOrInsert(key);
  }
  bool Increment(int order, Postfixes& p, uint8_t next, bool make_new) {
    return orders_[order].Increment(p, next, make_new);
  }
  [[gnu::always_inline]] void Prefetch(int order, const ContextKey& key) const {
    orders_[order].Prefetch(key);
  }

 private:
  std::vector<OrderDictionary> orders_;
};

// The `length` (1..16) most recent samples of a context.
inline ContextKey Truncated(ContextKey k, int length) {
  if (length < 8) k.lo &= (uint64_t{1} << (8 * length)) - 1;
  k.hi = length <= 8 ? 0 : length == 16 ? k.hi : k.hi & ((uint64_t{1} << (8 * (length - 8))) - 1);
  return k;
}

// The context of `length` (1..16) samples ending just before `end`.
inline ContextKey ContextBefore(std::span<const uint8_t> s, long end, int length) {
  ContextKey k;
  if (end < kMaxContext || std::endian::native != std::endian::little) {
    for (int age = 0; age < length; ++age) k.Set(age, s[end - 1 - age]);
    return k;
  }
  // Sixteen samples at once: byte-reversed, the newest lands in the low byte.
  std::memcpy(&k.lo, s.data() + end - 8, 8);
  std::memcpy(&k.hi, s.data() + end - 16, 8);
  k.lo = __builtin_bswap64(k.lo);
  k.hi = __builtin_bswap64(k.hi);
  return Truncated(k, length);
}

// contexts[k]: the 16 bits before step begin + k, the latest lowest.
inline void BinaryContexts(std::span<const uint8_t> s, long begin, long end, uint16_t* contexts) {
  uint32_t context = 0;
  for (long j = std::max(0L, begin - 1 - kMaxContext); j < begin - 1; ++j) {
    context = (context << 1) | s[j];
  }
  for (long i = begin; i < end; ++i) {
    context = (context << 1) | s[i - 1];
    contexts[i - begin] = static_cast<uint16_t>(context);
  }
}

// Counts per (context, next bit) for contexts of 1..16 bits, dense: the pair
// for context bits c (most recent bit lowest) of length m is at
// table[m][2c + next]. A context is present when either count is non-zero.
class BinaryDictionary {
 public:
  BinaryDictionary();
  uint32_t* Entry(int length, uint32_t context) {
    return &table_[length - 1][(context & ((1U << length) - 1)) << 1];
  }

 private:
  std::array<std::vector<uint32_t>, kMaxContext> table_;  // counts < 2^32
};

}  // namespace egdstat::detail
