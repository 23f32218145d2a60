#include "health/sp800_90b.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "common/secure_memory.h"

namespace egd {
namespace {

constexpr uint32_t kBitWindow = 1024;
constexpr uint32_t kByteWindow = 512;

// True if x has k (>= 1) consecutive set bits.
bool HasOnesRun(uint64_t x, uint32_t k) {
  if (k > 64) return false;
  uint64_t r = x;
  uint32_t m = 1;
  while (m * 2 <= k && r) {
    r &= r << m;
    m *= 2;
  }
  if (m < k) r &= r << (k - m);
  return r != 0;
}

uint64_t LoadBigEndian(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
  return w;
}

// SWAR popcount: the portable x86-64 baseline has no POPCNT instruction, and
// the libgcc fallback call costs more than these dozen operations.
inline int PopCount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
}

// True if `same` has `need` (1..64) consecutive ones. For need >= 33 any such
// run covers bits [64 - need, need - 1]: one mask test rejects nearly every word.
inline bool RunInWord(uint64_t same, uint32_t need) {
  if (need >= 33) {
    uint64_t core = ((~uint64_t{0}) >> (64 - (2 * need - 64))) << (64 - need);
    if ((same & core) != core) return false;
  }
  return HasOnesRun(same, need);
}

int LeadingOnes(uint64_t x) { return ~x ? __builtin_clzll(~x) : 64; }
int TrailingOnes(uint64_t x) { return ~x ? __builtin_ctzll(~x) : 64; }

}  // namespace

double SampleEntropy(const ContinuousParams& p) {
  double h = p.mode == SampleMode::kBit ? p.entropy_per_bit : 8.0 * p.entropy_per_bit;
  return std::min(h, p.mode == SampleMode::kBit ? 1.0 : 8.0);
}

uint32_t CritBinom(uint32_t n, double prob, int alpha_exponent) {
  // Sum the pmf from the top down in log space: the upper tail is what must
  // stay below alpha, and it is tiny, so summing it directly keeps precision.
  const double log_alpha = -alpha_exponent * std::log(2.0);
  const double lp = std::log(prob), lq = std::log1p(-prob);
  double tail = 0.0;  // P(X > c), accumulated as c decreases
  for (uint32_t c = n; c > 0; --c) {
    double log_pmf = std::lgamma(n + 1.0) - std::lgamma(c + 1.0) - std::lgamma(n - c + 1.0) +
                     c * lp + (n - c) * lq;
    double with_c = tail + std::exp(log_pmf);  // P(X >= c) = P(X > c - 1)
    if (std::log(with_c) > log_alpha) return c;  // P(X > c - 1) > alpha, P(X > c) <= alpha
    tail = with_c;
  }
  return 0;
}

Cutoffs ComputeCutoffs(const ContinuousParams& p) {
  double h = SampleEntropy(p);
  Cutoffs c;
  c.rct = 1 + static_cast<uint32_t>(std::ceil(p.alpha_exponent / h));
  c.apt_window = p.mode == SampleMode::kBit ? kBitWindow : kByteWindow;
  c.apt = 1 + CritBinom(c.apt_window, std::pow(2.0, -h), p.alpha_exponent);
  c.apt = std::min(c.apt, c.apt_window);
  return c;
}

ContinuousTests::ContinuousTests(const ContinuousParams& params)
    : params_(params),
      cutoffs_(ComputeCutoffs(params)),
      block_bytes_(params.mode == SampleMode::kBit ? 8 : 64) {}

ContinuousTests::~ContinuousTests() { Wipe(partial_.data(), partial_.size()); }

void ContinuousTests::Reset() {
  Wipe(partial_.data(), partial_.size());
  equal_run_ = 0;
  last_sample_ = -1;
  apt_first_ = -1;
  apt_count_ = 0;
  apt_seen_ = 0;
  partial_len_ = 0;
  window_run_ = 0;
  apt_done_bytes_ = bytes_in_;  // windows restart here
}

void ContinuousTests::WindowPassed(uint32_t count, uint64_t run) {
  ++windows_passed_;
  last_apt_count_ = count;
  last_longest_run_ = run + 1;  // n - 1 relations: a run of n samples
}

// Defined before their first caller: clang refuses target_clones on a function
// already used in the file.

// The bit-sample hot loop: TestBitBlock and TestBlock's window bookkeeping
// with the state in registers (a source at 1 GB/s is 125 M words a second).
// Built twice, with and without the POPCNT instruction (not in the x86-64
// baseline); the loader picks the one this CPU runs.
#if defined(__x86_64__)
__attribute__((target_clones("popcnt", "default")))
#endif
ContinuousTests::Verdict ContinuousTests::TestBitBlocks(const uint8_t* p, size_t n) {
  const uint32_t need = cutoffs_.rct - 1;
  uint64_t run = equal_run_;
  uint64_t last = static_cast<uint64_t>(last_sample_ == 1);
  bool have_last = last_sample_ >= 0;
  uint32_t first = static_cast<uint32_t>(apt_first_), count = apt_count_, seen = apt_seen_;
  uint64_t done = apt_done_bytes_;
  uint64_t longest = window_run_;
  // Statistics of passed windows, kept in locals: stores to members in the loop
  // would make the compiler reload the cutoffs on every word.
  uint64_t windows = 0, last_run = 0;
  uint32_t last_count = 0;
  Verdict v = Verdict::kPass;
  for (size_t i = 0; i < n; ++i) {
    uint64_t w = LoadBigEndian(p + 8 * i);
    uint64_t same = ~(w ^ ((w >> 1) | (last << 63)));
    if (!have_last) same &= ~(uint64_t{1} << 63);
    have_last = true;
    last = w & 1;
    if (run + LeadingOnes(same) >= need || (need <= 64 && RunInWord(same, need))) {
      v = Verdict::kRct;
      break;
    }
    // Runs as long as the window's longest so far are rare: a branch, not a cmov chain.
    if (run + LeadingOnes(same) > longest) [[unlikely]] longest = run + LeadingOnes(same);
    run = ~same ? TrailingOnes(same) : run + 64;
    if (seen == 0) first = static_cast<uint32_t>(w >> 63);
    uint32_t ones = static_cast<uint32_t>(__builtin_popcountll(w));
    count += first ? ones : 64 - ones;
    seen += 64;
    if (count >= cutoffs_.apt) {
      v = Verdict::kApt;
      break;
    }
    if (seen == cutoffs_.apt_window) {
      ++windows;
      last_count = count;
      last_run = longest;
      seen = count = 0;
      longest = 0;
      done += cutoffs_.apt_window / 8;
    }
  }
  window_run_ = longest;
  if (windows > 0) {
    windows_passed_ += windows - 1;
    WindowPassed(last_count, last_run);
  }
  equal_run_ = run;
  last_sample_ = have_last ? static_cast<int>(last) : -1;
  apt_first_ = static_cast<int>(first);
  apt_count_ = count;
  apt_seen_ = seen;
  apt_done_bytes_ = done;
  return v;
}

// Byte samples, 64 at a time. The two 64-byte scans are written so that the
// compiler vectorises them; built with and without AVX2.
#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
ContinuousTests::Verdict ContinuousTests::TestByteBlock(const uint8_t* p) {
  // Fast path: most blocks of random bytes have no two equal neighbours.
  uint8_t any_equal = last_sample_ == p[0];
  for (int i = 1; i < 64; ++i) any_equal |= static_cast<uint8_t>(p[i] == p[i - 1]);
  if (!any_equal) {
    window_run_ = std::max(window_run_, equal_run_);  // a run that ended at the boundary
    equal_run_ = 0;
  } else {
    uint64_t same = 0;
    for (int i = 0; i < 64; ++i) {
      int prev = i ? p[i - 1] : last_sample_;
      same |= static_cast<uint64_t>(p[i] == prev) << (63 - i);
    }
    if (RctRelations(same) != Verdict::kPass) return Verdict::kRct;
  }
  last_sample_ = p[63];
  if (apt_seen_ == 0) apt_first_ = p[0];
  const uint8_t first = static_cast<uint8_t>(apt_first_);
  uint8_t matches = 0;  // at most 64
  for (int i = 0; i < 64; ++i) matches += static_cast<uint8_t>(p[i] == first);
  apt_count_ += matches;
  apt_seen_ += 64;
  return apt_count_ >= cutoffs_.apt ? Verdict::kApt : Verdict::kPass;
}

std::optional<ContinuousFailure> ContinuousTests::Feed(std::span<const uint8_t> bytes) {
  Verdict v = Verdict::kPass;
  bytes_in_ += bytes.size();
  while (!bytes.empty() && v == Verdict::kPass) {
    if (partial_len_ > 0 || bytes.size() < block_bytes_) {
      size_t take = std::min(block_bytes_ - partial_len_, bytes.size());
      std::copy_n(bytes.begin(), take, partial_.begin() + partial_len_);
      partial_len_ += take;
      bytes = bytes.subspan(take);
      if (partial_len_ < block_bytes_) break;
      partial_len_ = 0;
      v = TestBlock(partial_.data());
      Wipe(partial_.data(), block_bytes_);  // tested: no copy of these raw bytes stays here
      continue;
    }
    size_t blocks = bytes.size() / block_bytes_;
    v = params_.mode == SampleMode::kBit ? TestBitBlocks(bytes.data(), blocks)
                                         : TestBlocks(bytes.data(), blocks);
    bytes = bytes.subspan(blocks * block_bytes_);
  }
  if (v == Verdict::kPass) return std::nullopt;
  return Describe(v);
}

ContinuousTests::Verdict ContinuousTests::TestBlock(const uint8_t* block) {
  Verdict v = params_.mode == SampleMode::kBit ? TestBitBlock(LoadBigEndian(block))
                                               : TestByteBlock(block);
  if (v == Verdict::kPass && apt_seen_ == cutoffs_.apt_window) {
    WindowPassed(apt_count_, window_run_);
    window_run_ = 0;
    apt_seen_ = 0;
    apt_count_ = 0;
    apt_done_bytes_ += params_.mode == SampleMode::kBit ? cutoffs_.apt_window / 8
                                                        : cutoffs_.apt_window;
  }
  return v;
}

ContinuousTests::Verdict ContinuousTests::TestBlocks(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    Verdict v = TestBlock(p + i * block_bytes_);
    if (v != Verdict::kPass) return v;
  }
  return Verdict::kPass;
}

ContinuousTests::Verdict ContinuousTests::RctRelations(uint64_t same) {
  // A run of C identical samples is C - 1 consecutive "equal" relations.
  const uint32_t need = cutoffs_.rct - 1;
  if (equal_run_ + LeadingOnes(same) >= need) return Verdict::kRct;
  if (need <= 64 && PopCount(same) >= static_cast<int>(need) &&
      HasOnesRun(same, need)) {
    return Verdict::kRct;
  }
  window_run_ = std::max<uint64_t>(window_run_, equal_run_ + LeadingOnes(same));
  equal_run_ = ~same ? TrailingOnes(same) : equal_run_ + 64;
  return Verdict::kPass;
}

ContinuousTests::Verdict ContinuousTests::TestBitBlock(uint64_t w) {
  // Bit 63 - j of `same`: sample j equals sample j - 1 (sample -1 is the
  // previous word's last bit; the stream's very first sample has none).
  uint64_t prev = static_cast<uint64_t>(last_sample_ == 1) << 63;
  uint64_t same = ~(w ^ ((w >> 1) | prev));
  if (last_sample_ < 0) same &= ~(uint64_t{1} << 63);
  last_sample_ = static_cast<int>(w & 1);
  if (RctRelations(same) != Verdict::kPass) return Verdict::kRct;
  if (apt_seen_ == 0) apt_first_ = static_cast<int>(w >> 63);
  uint32_t ones = static_cast<uint32_t>(PopCount(w));
  apt_count_ += apt_first_ ? ones : 64 - ones;
  apt_seen_ += 64;
  return apt_count_ >= cutoffs_.apt ? Verdict::kApt : Verdict::kPass;
}

ContinuousFailure ContinuousTests::Describe(Verdict verdict) const {
  if (verdict == Verdict::kRct) {
    return {"repetition_count", "a run of at least " + std::to_string(cutoffs_.rct) +
                                    " identical samples (the cutoff for H = " +
                                    std::to_string(SampleEntropy(params_)) + ")"};
  }
  return {"adaptive_proportion",
          std::to_string(apt_count_) + " samples equal to the window's first (" +
              std::to_string(apt_first_) + ") within " + std::to_string(apt_seen_) +
              " of a " + std::to_string(cutoffs_.apt_window) + "-sample window, cutoff " +
              std::to_string(cutoffs_.apt)};
}

}  // namespace egd
