// SPDX-License-Identifier: Apache-2.0
// When egd-feed feeds the kernel: a seed at start, a reseed every `interval`,
// an early reseed when the kernel's entropy estimate is below a watermark, and
// retries after failures, spaced by Backoff.
//
// Pure and single-threaded: no sockets, no clock of its own; every call takes
// `now`, so tests drive it with a fake clock. The daemon asks FeedDue() and
// WatermarkCheckDue() whenever it wakes, reports what happened, and sleeps until
// NextWake(). At most one feed is in progress at a time (StartFeed ... Succeeded,
// Failed or Aborted), so there is never more than one connection attempt in flight.
//
// The watermark: /proc/sys/kernel/random/entropy_avail. Since Linux 5.18 it reads
// 256 once the CRNG is initialised and never drops, so there the interval is the
// trigger that matters; the watermark helps on older kernels.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "feed/backoff.h"

namespace feed {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct ScheduleConfig {
  size_t seed_bytes = 64;                       // first feed after start
  size_t reseed_bytes = 64;                     // every later feed
  std::chrono::milliseconds interval{60000};    // from one successful feed to the next reseed
  uint32_t low_watermark_bits = 0;              // reseed early below this entropy_avail; 0 = off
  std::chrono::milliseconds watermark_check{5000};  // how often entropy_avail is read (when on)
  BackoffConfig backoff;                        // retries after a failed read
};

// kBoot: the CRNG is not ready and takes credit: the next feed follows at
// once (KernelState::WantsBootFeed). kResume: after a resume from suspend or
// a VM generation change, a fresh seed at once.
enum class FeedReason { kSeed, kInterval, kWatermark, kRetry, kBoot, kResume };
const char* FeedReasonName(FeedReason reason);

class Schedule {
 public:
  struct Feed {
    size_t bytes;
    FeedReason reason;
  };

  // The seed is due at `now`.
  Schedule(const ScheduleConfig& config, Backoff::Uniform uniform, TimePoint now);

  bool FeedDue(TimePoint now) const { return !feeding_ && now >= next_feed_; }
  // Starts the due feed: how many bytes, and why.
  Feed StartFeed(TimePoint now);
  // The bytes were read (whatever the kernel then said): backoff resets, the
  // next reseed is one interval from now.
  void Succeeded(TimePoint now);
  // The read failed (connect error, closed, timed out): returns the delay
  // before the retry, which is then due.
  std::chrono::milliseconds Failed(TimePoint now);
  // The feed was cancelled for a reason that is not the server's (a reload
  // switched servers): due again at once, backoff reset.
  void Aborted(TimePoint now);
  // A feed is due now for `reason` (kBoot, kResume); one in progress counts as
  // cancelled (the caller drops its read), the backoff is reset. A resume
  // feeds seed_bytes.
  void FeedNow(TimePoint now, FeedReason reason);

  bool WatermarkCheckDue(TimePoint now) const;
  // Result of reading entropy_avail (nullopt: could not be read). Returns true
  // if it moved a reseed forward to now.
  bool EntropyAvail(TimePoint now, std::optional<uint32_t> bits);

  // When the daemon must wake next; TimePoint::max() when only a read's
  // completion can change anything.
  TimePoint NextWake() const;

  // New settings; the state (seeded, failures, last success) is kept.
  void Reconfigure(const ScheduleConfig& config, TimePoint now);

  bool feeding() const { return feeding_; }
  bool seeded() const { return seeded_; }
  int failures() const { return backoff_.failures(); }
  TimePoint next_feed() const { return next_feed_; }

 private:
  ScheduleConfig config_;
  Backoff backoff_;
  bool feeding_ = false;
  bool seeded_ = false;
  TimePoint next_feed_;
  FeedReason next_reason_ = FeedReason::kSeed;
  TimePoint last_success_;
  TimePoint next_check_;
};

}  // namespace feed
