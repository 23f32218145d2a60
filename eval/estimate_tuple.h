// SPDX-License-Identifier: Apache-2.0
// SP 800-90B sections 6.3.5 (t-tuple) and 6.3.6 (longest repeated substring,
// LRS) estimates, computed as NIST's reference implementation (ea_non_iid
// 1.1.7) computes them, to agree with it to 1e-6.
//
// Both estimates depend on the samples only through, for each length t, the
// most occurrences of any t-symbol substring and the number of pairs of equal
// t-symbol substrings (overlaps count). AnalyzeRepeats derives both from the
// LCP array of the suffixes, once per sample sequence; the estimates then take
// microseconds. Data that looks random or merely biased (few repeats as long
// as 64 bits of symbols) takes a radix sort of 64-bit windows and one pass,
// the few suffixes that share a window compared in full; constant data is
// counted in closed form; other data (long repeats, periods) takes a
// prefix-doubling suffix array, O(n log n). Memory: 8 bytes per sample, up
// to 16 MB more for skewed data, and about 40 bytes per symbol of the longest
// repeat (all of the samples when they are all equal). Pure; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace egdstat {

// Substring repetition counts of one sample sequence. Index t (1..longest)
// is the substring length; index 0 is unused.
struct RepeatProfile {
  size_t samples = 0;                // L
  size_t longest = 0;                // v: the longest substring occurring twice
  std::vector<uint32_t> max_count;   // Q[t]: most occurrences of a t-tuple, >= 1
  std::vector<uint64_t> pair_count;  // sum over t-tuples of C(occurrences, 2)
};

// `samples` each < alphabet (2..256; 1 is taken as 2). Any length, even 0.
RepeatProfile AnalyzeRepeats(std::span<const uint8_t> samples, int alphabet);

// The reference's cutoff: a length counts for the t-tuple estimate while some
// tuple of that length occurs at least this often.
inline constexpr uint32_t kTupleMinCount = 35;

struct TupleEstimate {
  bool valid = false;      // false: no symbol occurs 35 times (the reference
                           // reports "t-Tuple estimate failed")
  size_t t = 0;            // the largest length with a tuple occurring >= 35 times
  double p_hat_max = 0;    // max over i <= t of (Q[i] / (L - i + 1))^(1/i)
  double p_u = 0;          // min(1, p_hat_max + Z * sqrt(p_hat_max (1 - p_hat_max) / (L - 1)))
  double min_entropy = 0;  // -log2(p_u)
};

struct LrsEstimate {
  bool valid = false;      // false: v < u (the reference: "Can't Run LRS Test")
  size_t u = 0;            // t + 1: the shortest length with no tuple occurring 35 times
  size_t v = 0;            // the length of the longest repeated substring
  double p_hat = 0;        // max over u <= i <= v of (pairs_i / C(L - i + 1, 2))^(1/i)
  double p_u = 0;          // as for the t-tuple estimate
  double min_entropy = 0;  // -log2(p_u)
};

TupleEstimate EstimateTTuple(const RepeatProfile& profile);
LrsEstimate EstimateLrs(const RepeatProfile& profile);

// Conveniences that analyse `samples` for one estimate only.
TupleEstimate EstimateTTuple(std::span<const uint8_t> samples, int alphabet);
LrsEstimate EstimateLrs(std::span<const uint8_t> samples, int alphabet);

}  // namespace egdstat
