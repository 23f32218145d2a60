#include "common/health.h"

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
  held_.clear();
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
                                            std::vector<uint8_t>* passed) {
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
  while (in_ - tf_done_ >= chunk) {
    std::span<const uint8_t> bytes(held_.data() + (tf_done_ - released_), chunk);
    ++chunks_tested_;
    if (auto alarm = TotalFailureCheck(bytes, params_.total_failure)) return alarm;
    tf_done_ += chunk;
  }
  return std::nullopt;
}

void HealthGate::Release(std::vector<uint8_t>* passed) {
  uint64_t upto = std::min(tf_done_, continuous_.apt_verified_bytes());
  if (upto <= released_) return;
  size_t n = static_cast<size_t>(upto - released_);
  passed->insert(passed->end(), held_.begin(), held_.begin() + n);
  held_.erase(held_.begin(), held_.begin() + n);
  released_ = upto;
}

}  // namespace egd
