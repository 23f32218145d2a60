// SPDX-License-Identifier: Apache-2.0
#include "feed/schedule.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace feed {

const char* FeedReasonName(FeedReason reason) {
  switch (reason) {
    case FeedReason::kSeed: return "seed";
    case FeedReason::kInterval: return "reseed";
    case FeedReason::kWatermark: return "watermark reseed";
    case FeedReason::kRetry: return "retry";
    case FeedReason::kBoot: return "boot feed";
    case FeedReason::kResume: return "resume seed";
  }
  return "feed";
}

Schedule::Schedule(const ScheduleConfig& config, Backoff::Uniform uniform, TimePoint now)
    : config_(config),
      backoff_(config.backoff, std::move(uniform)),
      next_feed_(now),
      next_check_(now + config.watermark_check) {}

Schedule::Feed Schedule::StartFeed(TimePoint now) {
  assert(FeedDue(now));
  (void)now;
  feeding_ = true;
  bool seed = !seeded_ || next_reason_ == FeedReason::kResume;
  return {seed ? config_.seed_bytes : config_.reseed_bytes, next_reason_};
}

void Schedule::Succeeded(TimePoint now) {
  assert(feeding_);
  feeding_ = false;
  seeded_ = true;
  backoff_.Reset();
  last_success_ = now;
  next_feed_ = now + config_.interval;
  next_reason_ = FeedReason::kInterval;
}

std::chrono::milliseconds Schedule::Failed(TimePoint now) {
  assert(feeding_);
  feeding_ = false;
  std::chrono::milliseconds delay = backoff_.Next();
  next_feed_ = now + delay;
  next_reason_ = seeded_ ? FeedReason::kRetry : FeedReason::kSeed;
  return delay;
}

void Schedule::Aborted(TimePoint now) {
  feeding_ = false;
  backoff_.Reset();
  next_feed_ = now;
}

void Schedule::FeedNow(TimePoint now, FeedReason reason) {
  feeding_ = false;
  backoff_.Reset();
  next_feed_ = now;
  next_reason_ = reason;
}

bool Schedule::WatermarkCheckDue(TimePoint now) const {
  return config_.low_watermark_bits > 0 && now >= next_check_;
}

bool Schedule::EntropyAvail(TimePoint now, std::optional<uint32_t> bits) {
  next_check_ = now + config_.watermark_check;
  // Only a reseed on schedule is moved: a retry keeps its backoff, the seed is due anyway.
  if (!bits || *bits >= config_.low_watermark_bits || feeding_ || !seeded_ ||
      backoff_.failures() > 0 || next_feed_ <= now) {
    return false;
  }
  next_feed_ = now;
  next_reason_ = FeedReason::kWatermark;
  return true;
}

TimePoint Schedule::NextWake() const {
  TimePoint wake = feeding_ ? TimePoint::max() : next_feed_;
  if (config_.low_watermark_bits > 0) wake = std::min(wake, next_check_);
  return wake;
}

void Schedule::Reconfigure(const ScheduleConfig& config, TimePoint now) {
  bool watermark_was_off = config_.low_watermark_bits == 0;
  config_ = config;
  backoff_.Reconfigure(config.backoff);
  if (seeded_ && !feeding_ && backoff_.failures() == 0) {
    next_feed_ = last_success_ + config.interval;  // may be past: due now
  }
  if (watermark_was_off) next_check_ = now;
}

}  // namespace feed
