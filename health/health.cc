#include "health/health.h"

#include <algorithm>
#include <array>

namespace egd {

namespace {

// Returns the first byte value of `chunk` whose count exceeds `limit`, or -1.
// Small counters keep the table in a few cache lines (zeroing it is most of
// the cost); a counter never needs to exceed limit + 1.
template <typename Counter>
int FirstOverLimit(std::span<const uint8_t> chunk, uint32_t limit) {
  alignas(64) std::array<Counter, 256> counts{};
  for (uint8_t b : chunk) {
    if (++counts[b] > limit) return b;
  }
  return -1;
}

// True if either of two equal-sized chunks (< 256 bytes) has a byte value
// occurring more than `limit` (< 255) times. Two independent tables in one loop
// overlap their memory round trips: ~1.5x the speed of one chunk at a time.
bool EitherOverLimit(const uint8_t* a, const uint8_t* b, size_t n, uint32_t limit) {
  alignas(64) std::array<uint8_t, 256> ca{}, cb{};
  uint8_t ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) {
    uint8_t x = ++ca[a[i]];
    uint8_t y = ++cb[b[i]];
    ma = std::max(ma, x);
    mb = std::max(mb, y);
  }
  return std::max(ma, mb) > limit;
}

// Drops the last n bytes of v, wiping them first: a vector's spare capacity
// never keeps a copy of a byte.
void DropTail(SecureBytes& v, size_t n) {
  Wipe(v.data() + v.size() - n, n);
  v.resize(v.size() - n);
}

}  // namespace

std::optional<HealthAlarm> TotalFailureCheck(std::span<const uint8_t> chunk,
                                             const TotalFailureParams& params) {
  uint32_t limit = static_cast<uint32_t>(params.max_identical);
  int value = limit < 255 ? FirstOverLimit<uint8_t>(chunk, limit)
                          : FirstOverLimit<uint32_t>(chunk, limit);
  if (value < 0) return std::nullopt;
  return HealthAlarm{"total_failure",
                     "byte value " + std::to_string(value) + " occurred more than " +
                         std::to_string(limit) + " times in a chunk of " +
                         std::to_string(chunk.size()) + " bytes",
                     0};
}

HealthGate::HealthGate(HealthParams params, StartupTest startup)
    : params_(params), startup_(std::move(startup)), continuous_(params.continuous) {
  Restart();
}

void HealthGate::Restart() {
  DropTail(held_, held_.size());
  continuous_.Reset();  // its window offsets restart at in_ as well
  released_ = tf_done_ = in_;
  starting_ = startup_ != nullptr && params_.startup_bytes > 0;
  startup_end_ = in_ + (starting_ ? params_.startup_bytes : 0);
}

std::optional<HealthAlarm> HealthGate::Fail(HealthAlarm alarm) {
  alarm.discarded = held_.size();
  Restart();
  return alarm;
}

std::optional<HealthAlarm> HealthGate::Push(std::span<const uint8_t> raw,
                                            SecureBytes* passed) {
  auto failure = continuous_.Feed(raw);
  held_.insert(held_.end(), raw.begin(), raw.end());
  in_ += raw.size();
  if (failure) return Fail({failure->test, failure->detail, 0});
  if (auto alarm = RunChunkTests()) return Fail(std::move(*alarm));
  if (starting_ && tf_done_ >= startup_end_) {
    std::span<const uint8_t> window(held_.data(), params_.startup_bytes);
    if (auto alarm = startup_(window)) return Fail(std::move(*alarm));
    starting_ = false;
  }
  if (!starting_) Release(passed);
  return std::nullopt;
}

std::optional<HealthAlarm> HealthGate::RunChunkTests() {
  const size_t chunk = params_.total_failure.chunk;
  const bool pairs = chunk < 256 && params_.total_failure.max_identical < 255;
  while (in_ - tf_done_ >= chunk) {
    const uint8_t* first = held_.data() + (tf_done_ - released_);
    if (pairs && in_ - tf_done_ >= 2 * chunk &&
        !EitherOverLimit(first, first + chunk, chunk,
                         static_cast<uint32_t>(params_.total_failure.max_identical))) {
      chunks_tested_ += 2;
      tf_done_ += 2 * chunk;
      continue;
    }
    ++chunks_tested_;  // one chunk alone, or a failing pair checked one by one
    if (auto alarm = TotalFailureCheck({first, chunk}, params_.total_failure)) return alarm;
    tf_done_ += chunk;
  }
  return std::nullopt;
}

void HealthGate::Release(SecureBytes* passed) {
  uint64_t upto = std::min(tf_done_, continuous_.apt_verified_bytes());
  if (upto <= released_) return;
  size_t n = static_cast<size_t>(upto - released_);
  passed->insert(passed->end(), held_.begin(), held_.begin() + n);
  std::copy(held_.begin() + n, held_.end(), held_.begin());
  DropTail(held_, n);
  released_ = upto;
}

}  // namespace egd
