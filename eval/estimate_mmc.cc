// SPDX-License-Identifier: Apache-2.0
// 6.3.9 MultiMMC: Markov predictors of orders 1..16, at most 100,000
// (context, next) pairs each, in a binary version (alphabet 2, dense tables)
// and a general one (hashed dictionaries), as the reference has them.
//
// The predictors do not depend on each other's scores, only on whether the
// next shorter context was found (the reference stops looking at the first
// order that misses). So the samples go in chunks, and within a chunk each
// order runs over every sample in turn, its dictionary alone in cache,
// recording per sample whether it predicted and whether it was right. A
// scoreboard (predictor_dictionaries.h) then replays the reference's winner
// rule over those bits.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <vector>

#include "eval/estimate_predictors.h"
#include "eval/predictor_dictionaries.h"

namespace egdstat {

using detail::BinaryDictionary;
using detail::ContextBefore;
using detail::Finish;
using detail::kMaxContext;
using detail::OrderDictionary;
using detail::Postfixes;
using detail::Scoreboard;
using detail::Tally;

namespace {

constexpr long kMmcMaxEntries = 100000;
constexpr int kCappedOrder = 15;  // the lowest binary order that can reach the cap
constexpr long kChunk = 4096;  // samples per chunk
constexpr size_t kWords = kChunk / 64;

// One chunk's predictions per order: bit b of word w is the chunk's sample
// 64 w + b. `hit` implies `found`.
struct ChunkBits {
  std::array<std::array<uint64_t, kWords>, kMaxContext> found;
  std::array<std::array<uint64_t, kWords>, kMaxContext> hit;
};

// Scores a chunk, a block of 64 samples at a time.
void ScoreChunk(const ChunkBits& bits, long samples, Scoreboard<kMaxContext>* board) {
  for (size_t w = 0; 64 * static_cast<long>(w) < samples; ++w) {
    std::array<uint64_t, kMaxContext> found, hit;
    for (int d = 0; d < kMaxContext; ++d) {
      found[d] = bits.found[d][w];
      hit[d] = bits.hit[d][w];
    }
    const long n = std::min<long>(64, samples - 64 * static_cast<long>(w));
    board->Block(found, hit, static_cast<int>(n));
  }
}

// Accumulates one order's bits for a chunk, a word at a time.
class BitWriter {
 public:
  BitWriter(uint64_t* found, uint64_t* hit) : found_(found), hit_(hit) {
    std::fill(found, found + kWords, 0);
    std::fill(hit, hit + kWords, 0);
  }
  void Set(long b, bool found, bool hit) {
    found_[b >> 6] |= uint64_t{found} << (b & 63);
    hit_[b >> 6] |= uint64_t{hit} << (b & 63);
  }

 private:
  uint64_t* found_;
  uint64_t* hit_;
};

bool Bit(const uint64_t* words, long b) { return ((words[b >> 6] >> (b & 63)) & 1) != 0; }

// The steps [begin, end) of order d in the binary version. `shorter_found`
// is order d-1's found bits (unused for d = 0).
struct BinaryOrder {
  BinaryDictionary* dict;
  int d;
  long entries = 1;  // pairs created (and reset: see Step)
  long present = 1;  // contexts present

  // `contexts[k]`: the 16 bits before step begin + k, the latest lowest.
  void Run(std::span<const uint8_t> s, long begin, long end, const uint16_t* contexts,
           const uint64_t* shorter_found, uint64_t* found_bits, uint64_t* hit_bits) {
    const long first = std::max(begin, long{d} + 2);
    std::fill(found_bits, found_bits + kWords, 0);
    std::fill(hit_bits, hit_bits + kWords, 0);
    for (long w = (first - begin) >> 6; begin + 64 * w < end; ++w) {
      const long lo = std::max(first, begin + 64 * w), hi = std::min(end, begin + 64 * w + 64);
      const uint64_t shorter = d == 0 ? ~uint64_t{0} : shorter_found[w];
      if (hi - lo == 64 && shorter == ~uint64_t{0}) {
        Word(s.data() + lo, contexts + (lo - begin), &found_bits[w], &hit_bits[w]);
      } else {
        for (long i = lo; i < hi; ++i) {
          const int b = static_cast<int>(i - begin) & 63;
          Step(contexts[i - begin], s[i], (shorter >> b) & 1, b, &found_bits[w], &hit_bits[w]);
        }
      }
    }
  }

  // One step in full, for the first steps and where the shorter context was
  // not found.
  void Step(uint32_t context, uint32_t next, uint64_t shorter, int b, uint64_t* found_word,
            uint64_t* hit_word) {
    uint32_t* e = dict->Entry(d + 1, context);
    const bool fresh = (e[0] | e[1]) == 0;
    const uint64_t found = shorter & uint64_t{!fresh};
    *found_word |= found << b;
    *hit_word |= (found & uint64_t{(e[1] >= e[0]) == next}) << b;
    if (found != 0 && e[next] != 0) {
      ++e[next];
    } else if (entries < kMmcMaxEntries) {
      e[next] = 1;  // as the reference: set, even in the (capped) case it existed
      ++entries;
      present += fresh;
    }
  }

  // 64 steps whose shorter contexts were all found: the hot loop. While the
  // cap is out of reach every pair may be created, and once every context
  // is present every step predicts.
  void Word(const uint8_t* next, const uint16_t* contexts, uint64_t* found_word,
            uint64_t* hit_word) {
    if (entries >= kMmcMaxEntries) {
      FullWord(next, contexts, found_word, hit_word);
    } else if (entries + 64 > kMmcMaxEntries) {
      CappedWord(next, contexts, found_word, hit_word);
    } else if (present == (1 << (d + 1))) {
      if (d < kCappedOrder && std::endian::native == std::endian::little) {
        CompleteWord(next, contexts, found_word, hit_word);
      } else {
        FreeWord<true>(next, contexts, found_word, hit_word);
      }
    } else {
      FreeWord<false>(next, contexts, found_word, hit_word);
    }
  }

  template <bool kComplete>
  void FreeWord(const uint8_t* next, const uint16_t* contexts, uint64_t* found_word,
                uint64_t* hit_word) {
    uint32_t* table = dict->Entry(d + 1, 0);
    const uint32_t mask = (1u << (d + 1)) - 1;
    long count = entries, have = present;  // locals: the loop is short of registers
    uint64_t found_bits = kComplete ? ~uint64_t{0} : 0, hit_bits = 0;
    for (int b = 0; b < 64; ++b) {
      uint32_t* e = table + 2 * (contexts[b] & mask);
      const uint32_t e0 = e[0], e1 = e[1], x = next[b];
      uint64_t hit = (e1 >= e0) == x;
      if (!kComplete) {
        const uint64_t found = (e0 | e1) != 0;
        have += 1 - found;
        found_bits |= found << b;
        hit &= found;
      }
      hit_bits |= hit << b;
      const uint32_t c = e[x];
      count += c == 0;
      e[x] = c + 1;
    }
    entries = count;
    present = have;
    *found_word = found_bits;
    *hit_word = hit_bits;
  }

  // Orders below kCappedOrder cannot reach the cap: they have at most
  // 2^(d+2) <= 65,536 pairs, and Step resets a pair (counting it again) only
  // where a context is present but a shorter one is not, which only the
  // initial entries allow, in the first 17 steps. So once all of such an
  // order's contexts are present, only the follower counts change: both of a
  // context's counts as one 64-bit word (little-endian: e[0] low), no entries.
  void CompleteWord(const uint8_t* next, const uint16_t* contexts, uint64_t* found_word,
                    uint64_t* hit_word) {
    uint32_t* table = dict->Entry(d + 1, 0);
    const uint32_t mask = (1u << (d + 1)) - 1;
    uint64_t hit_bits = 0;
    for (int b = 0; b < 64; ++b) {
      uint32_t* e = table + 2 * (contexts[b] & mask);
      uint64_t counts;
      std::memcpy(&counts, e, sizeof counts);
      const uint64_t x = next[b];
      const uint32_t e0 = static_cast<uint32_t>(counts), e1 = static_cast<uint32_t>(counts >> 32);
      hit_bits |= uint64_t{(e1 >= e0) == x} << b;
      counts += uint64_t{1} << (32 * x);
      std::memcpy(e, &counts, sizeof counts);
    }
    *found_word = ~uint64_t{0};
    *hit_word = hit_bits;
  }

  // The cap reached: only pairs already present count. No branches: whether
  // one is present is a coin toss in the longest contexts.
  void FullWord(const uint8_t* next, const uint16_t* contexts, uint64_t* found_word,
                uint64_t* hit_word) {
    uint32_t* table = dict->Entry(d + 1, 0);
    const uint32_t mask = (1u << (d + 1)) - 1;
    uint64_t found_bits = 0, hit_bits = 0;
    for (int b = 0; b < 64; ++b) {
      uint32_t* e = table + 2 * (contexts[b] & mask);
      const uint32_t e0 = e[0], e1 = e[1], x = next[b];
      const uint64_t found = (e0 | e1) != 0;
      found_bits |= found << b;
      hit_bits |= (found & uint64_t{(e1 >= e0) == x}) << b;
      const uint32_t c = e[x];
      e[x] = c + (c != 0);
    }
    *found_word = found_bits;
    *hit_word = hit_bits;
  }

  void CappedWord(const uint8_t* next, const uint16_t* contexts, uint64_t* found_word,
                  uint64_t* hit_word) {
    uint32_t* table = dict->Entry(d + 1, 0);
    const uint32_t mask = (1u << (d + 1)) - 1;
    long count = entries;
    uint64_t found_bits = 0, hit_bits = 0;
    for (int b = 0; b < 64; ++b) {
      uint32_t* e = table + 2 * (contexts[b] & mask);
      const uint32_t e0 = e[0], e1 = e[1], x = next[b];
      const uint64_t found = (e0 | e1) != 0;
      found_bits |= found << b;
      hit_bits |= (found & uint64_t{(e1 >= e0) == x}) << b;
      const uint32_t c = e[x];
      if (c != 0) {
        e[x] = c + 1;
      } else if (count < kMmcMaxEntries) {  // a new pair (its context may be new too)
        e[x] = 1;
        ++count;
      }
    }
    entries = count;
    *found_word = found_bits;
    *hit_word = hit_bits;
  }
};

PredictorEstimate BinaryMultiMmc(std::span<const uint8_t> s) {
  const long len = static_cast<long>(s.size());
  BinaryDictionary dict;
  std::vector<BinaryOrder> orders;
  uint32_t pattern = 0;
  for (int d = 0; d < kMaxContext; ++d) {
    pattern = (pattern << 1) | s[d];
    dict.Entry(d + 1, pattern)[s[d + 1]] = 1;
    orders.push_back({&dict, d});
  }
  ChunkBits bits;
  Scoreboard<kMaxContext> board;
  std::vector<uint16_t> contexts(kChunk);
  for (long begin = 2; begin < len; begin += kChunk) {
    const long end = std::min(len, begin + kChunk);
    detail::BinaryContexts(s, begin, end, contexts.data());
    for (int d = 0; d < kMaxContext; ++d) {
      orders[d].Run(s, begin, end, contexts.data(), d == 0 ? nullptr : bits.found[d - 1].data(),
                    bits.found[d].data(), bits.hit[d].data());
    }
    ScoreChunk(bits, end - begin, &board);
  }
  return Finish(board.tally(), len - 2, 2);
}

// The steps [begin, end) of order d in the general version.
struct GeneralOrder {
  OrderDictionary dict;
  int d;
  long entries = 0;
  std::vector<int32_t> steps = {};  // scratch: the chunk's steps to look at

  void Run(std::span<const uint8_t> s, long begin, long end, const uint64_t* shorter_found,
           uint64_t* found_bits, uint64_t* hit_bits) {
    const long first = std::max(begin, long{d} + 2);
    BitWriter out(found_bits, hit_bits);
    steps.clear();
    if (d > 0 && entries >= kMmcMaxEntries) {  // full: only contexts found already count
      for (size_t w = 0; w < kWords; ++w) {
        for (uint64_t m = shorter_found[w]; m != 0; m &= m - 1) {
          const long i = begin + 64 * static_cast<long>(w) + std::countr_zero(m);
          if (i >= first) steps.push_back(static_cast<int32_t>(i - begin));
        }
      }
    } else {
      for (long i = first; i < end; ++i) steps.push_back(static_cast<int32_t>(i - begin));
    }
    constexpr size_t kAhead = 8;  // look-ups are fetched this many steps early
    for (size_t k = 0; k < steps.size(); ++k) {
      if (k + kAhead < steps.size()) {
        dict.Prefetch(ContextBefore(s, begin + steps[k + kAhead], d + 1));
      }
      const long i = begin + steps[k];
      if ((d == 0 || Bit(shorter_found, i - begin)) && Known(s, i, i - begin, out)) continue;
      if (entries < kMmcMaxEntries) {
        dict.Increment(dict.FindOrInsert(ContextBefore(s, i, d + 1)), s[i], true);
        ++entries;
      }
    }
  }

  // Predicts and counts step i if its context is known; returns whether it was.
  bool Known(std::span<const uint8_t> s, long i, long b, BitWriter& out) {
    Postfixes* p = dict.Find(ContextBefore(s, i, d + 1));
    if (p == nullptr) return false;
    out.Set(b, true, p->prediction == s[i]);
    if (dict.Increment(*p, s[i], entries < kMmcMaxEntries)) ++entries;
    return true;
  }
};

PredictorEstimate GeneralMultiMmc(std::span<const uint8_t> s, int alphabet) {
  const long len = static_cast<long>(s.size());
  const long n = len - 2;
  std::vector<GeneralOrder> orders;
  long possible = 1;  // contexts of d + 1 samples: at most alphabet^(d+1), len, the cap
  for (int d = 0; d < kMaxContext; ++d) {
    possible = std::min({possible * alphabet, len, kMmcMaxEntries + 1});
    orders.push_back({OrderDictionary(d, static_cast<size_t>(possible)), d});
    if (d < n) {
      GeneralOrder& o = orders.back();
      o.dict.Increment(o.dict.FindOrInsert(ContextBefore(s, d + 1, d + 1)), s[d + 1], true);
      o.entries = 1;
    }
  }
  ChunkBits bits;
  Scoreboard<kMaxContext> board;
  for (long begin = 2; begin < len; begin += kChunk) {
    const long end = std::min(len, begin + kChunk);
    for (int d = 0; d < kMaxContext; ++d) {
      orders[d].Run(s, begin, end, d == 0 ? nullptr : bits.found[d - 1].data(),
                    bits.found[d].data(), bits.hit[d].data());
    }
    ScoreChunk(bits, end - begin, &board);
  }
  return Finish(board.tally(), n, alphabet);
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

}  // namespace egdstat
