// The source's rate over the last hour and day, for the status view: egdd's
// bytes_received counter (raw bytes taken from the source, before the health
// tests: the source's own rate) read at a fixed interval and kept as rates in
// two fixed-size rings, in memory only (counters, never entropy). Pure: the
// caller (httpd/status_feed.h) reads the counter and passes the clocks.
//
// A ring's point is the mean rate between two readings at least its interval
// apart (less `slack`, the jitter of the caller's timer). A reading after
// Break() (egdd unreachable) or with a counter lower than the last (egdd
// restarted) starts afresh: no point spans a gap.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include <nlohmann/json.hpp>

namespace httpd {

struct RatePoint {
  double unix_time = 0;    // seconds, the end of the point's span
  double bytes_per_s = 0;  // mean over the span
};

class RateRing {
 public:
  using Clock = std::chrono::steady_clock;

  RateRing(size_t capacity, std::chrono::milliseconds interval, std::chrono::milliseconds slack);

  // A reading of the counter; true when it appended a point.
  bool Add(Clock::time_point now, double unix_now, uint64_t counter);
  void Break() { base_.reset(); }

  const std::deque<RatePoint>& points() const { return points_; }
  std::chrono::milliseconds interval() const { return interval_; }
  // {"interval_s": 10, "capacity": 360, "points": [[unix_time, bytes_per_s], ...]}
  nlohmann::json Json() const;

 private:
  struct Reading {
    Clock::time_point at;
    uint64_t counter;
  };
  size_t capacity_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds slack_;
  std::optional<Reading> base_;
  std::deque<RatePoint> points_;
};

// The two rings: 360 points at `hour` (an hour at the default 10 s) and 288
// at `day` (a day at the default 5 min); both fed by the same readings, taken
// every `hour` interval.
class RateHistory {
 public:
  static constexpr size_t kHourPoints = 360;
  static constexpr size_t kDayPoints = 288;

  RateHistory(std::chrono::milliseconds hour, std::chrono::milliseconds day);

  // True when either ring appended a point.
  bool Add(RateRing::Clock::time_point now, double unix_now, uint64_t counter);
  void Break();
  // New intervals (a reload): a ring whose interval changed starts empty.
  void Reconfigure(std::chrono::milliseconds hour, std::chrono::milliseconds day);

  const RateRing& hour() const { return hour_; }
  const RateRing& day() const { return day_; }
  // {"counter": "bytes_received", "unit": "bytes/s", "hour": {...}, "day": {...}}
  nlohmann::json Json() const;

 private:
  RateRing hour_;
  RateRing day_;
};

}  // namespace httpd
