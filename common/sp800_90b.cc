#include "common/sp800_90b.h"

#include <algorithm>
#include <cmath>

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
  uint64_t w = 0;
  for (int i = 0; i < 8; ++i) w = (w << 8) | p[i];
  return w;
}

// value < 0: not known (a run found inside a 64-bit word).
std::string RunDetail(uint64_t length, int value, uint32_t cutoff) {
  std::string v = value < 0 ? "" : " of value " + std::to_string(value);
  return "a run of " + std::to_string(length) + " identical samples" + v +
         " reached the cutoff " + std::to_string(cutoff);
}

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
    : params_(params), cutoffs_(ComputeCutoffs(params)) {}

void ContinuousTests::Reset() {
  run_value_ = -1;
  run_length_ = 0;
  apt_first_ = -1;
  apt_count_ = 0;
  apt_seen_ = 0;
  partial_len_ = 0;
  apt_done_bytes_ = bytes_in_;  // a fresh start: nothing pending
}

std::optional<ContinuousFailure> ContinuousTests::Feed(std::span<const uint8_t> bytes) {
  auto failure = params_.mode == SampleMode::kBit ? FeedBits(bytes) : FeedBytes(bytes);
  bytes_in_ += bytes.size();
  return failure;
}

std::optional<ContinuousFailure> ContinuousTests::FeedBits(std::span<const uint8_t> bytes) {
  // Whole 64-bit words only, aligned to the stream: APT windows (16 words) stay aligned.
  while (!bytes.empty()) {
    if (partial_len_ > 0 || bytes.size() < 8) {
      size_t take = std::min<size_t>(8 - partial_len_, bytes.size());
      std::copy_n(bytes.begin(), take, partial_.begin() + partial_len_);
      partial_len_ += take;
      bytes = bytes.subspan(take);
      if (partial_len_ < 8) break;
      partial_len_ = 0;
      if (auto f = TestWord(LoadBigEndian(partial_.data()))) return f;
      continue;
    }
    size_t words = bytes.size() / 8;
    for (size_t i = 0; i < words; ++i) {
      if (auto f = TestWord(LoadBigEndian(bytes.data() + 8 * i))) return f;
    }
    bytes = bytes.subspan(words * 8);
  }
  return std::nullopt;
}

std::optional<ContinuousFailure> ContinuousTests::TestWord(uint64_t w) {
  if (auto f = RctBitWord(w)) return f;
  return AptBitWord(w);
}

std::optional<ContinuousFailure> ContinuousTests::RctBitWord(uint64_t w) {
  // Runs inside the word: bit j of `same` says sample j equals sample j+1.
  uint64_t same = ~(w ^ (w << 1)) & ~uint64_t{1};
  if (cutoffs_.rct <= 64 && HasOnesRun(same, cutoffs_.rct - 1)) {
    return ContinuousFailure{"repetition_count", RunDetail(cutoffs_.rct, -1, cutoffs_.rct)};
  }
  int first = static_cast<int>(w >> 63);
  uint64_t lead_x = first ? ~w : w;
  uint64_t lead = lead_x ? static_cast<uint64_t>(__builtin_clzll(lead_x)) : 64;
  uint64_t joined = first == run_value_ ? run_length_ + lead : lead;
  if (joined >= cutoffs_.rct) {
    return ContinuousFailure{"repetition_count", RunDetail(joined, first, cutoffs_.rct)};
  }
  if (lead == 64) {
    run_value_ = first;
    run_length_ = joined;
    return std::nullopt;
  }
  int last = static_cast<int>(w & 1);
  uint64_t trail_x = last ? ~w : w;
  run_value_ = last;
  run_length_ = static_cast<uint64_t>(__builtin_ctzll(trail_x));
  return std::nullopt;
}

std::optional<ContinuousFailure> ContinuousTests::AptBitWord(uint64_t w) {
  if (apt_seen_ == 0) apt_first_ = static_cast<int>(w >> 63);
  uint32_t ones = static_cast<uint32_t>(__builtin_popcountll(w));
  apt_count_ += apt_first_ ? ones : 64 - ones;
  apt_seen_ += 64;
  if (apt_count_ >= cutoffs_.apt) {
    return ContinuousFailure{"adaptive_proportion",
                             std::to_string(apt_count_) + " of " + std::to_string(apt_seen_) +
                                 " samples equal the window's first (" +
                                 std::to_string(apt_first_) + "), cutoff " +
                                 std::to_string(cutoffs_.apt) + " in " +
                                 std::to_string(cutoffs_.apt_window)};
  }
  if (apt_seen_ == cutoffs_.apt_window) {
    apt_seen_ = 0;
    apt_count_ = 0;
    apt_done_bytes_ += cutoffs_.apt_window / 8;
  }
  return std::nullopt;
}

std::optional<ContinuousFailure> ContinuousTests::FeedBytes(std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) {
    if (b == run_value_) {
      if (++run_length_ >= cutoffs_.rct) {
        return ContinuousFailure{"repetition_count", RunDetail(run_length_, b, cutoffs_.rct)};
      }
    } else {
      run_value_ = b;
      run_length_ = 1;
    }
    if (apt_seen_ == 0) apt_first_ = b;
    apt_count_ += b == apt_first_;
    if (apt_count_ >= cutoffs_.apt) {
      return ContinuousFailure{"adaptive_proportion",
                               std::to_string(apt_count_) + " samples equal to " +
                                   std::to_string(apt_first_) + " in a window of " +
                                   std::to_string(cutoffs_.apt_window) + ", cutoff " +
                                   std::to_string(cutoffs_.apt)};
    }
    if (++apt_seen_ == cutoffs_.apt_window) {
      apt_seen_ = 0;
      apt_count_ = 0;
      apt_done_bytes_ += cutoffs_.apt_window;
    }
  }
  return std::nullopt;
}

}  // namespace egd
