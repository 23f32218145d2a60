#include "httpd/rate_history.h"

#include <cmath>

namespace httpd {

namespace {

// To `scale` steps per unit: a division last, so that the result is the
// double nearest the decimal (768.06, not 768.0600000000001).
double Round(double v, double scale) { return std::round(v * scale) / scale; }

}  // namespace

RateRing::RateRing(size_t capacity, std::chrono::milliseconds interval,
                   std::chrono::milliseconds slack)
    : capacity_(capacity), interval_(interval), slack_(slack) {}

bool RateRing::Add(Clock::time_point now, double unix_now, uint64_t counter) {
  if (!base_ || counter < base_->counter || now < base_->at) {
    base_ = Reading{now, counter};
    return false;
  }
  auto elapsed = now - base_->at;
  if (elapsed + slack_ < interval_ || elapsed.count() <= 0) return false;
  double seconds = std::chrono::duration<double>(elapsed).count();
  points_.push_back({unix_now, static_cast<double>(counter - base_->counter) / seconds});
  while (points_.size() > capacity_) points_.pop_front();
  base_ = Reading{now, counter};
  return true;
}

nlohmann::json RateRing::Json() const {
  nlohmann::json points = nlohmann::json::array();
  for (const RatePoint& p : points_) {
    points.push_back({Round(p.unix_time, 1000), Round(p.bytes_per_s, 100)});
  }
  return {{"interval_s", std::chrono::duration<double>(interval_).count()},
          {"capacity", capacity_},
          {"points", std::move(points)}};
}

RateHistory::RateHistory(std::chrono::milliseconds hour, std::chrono::milliseconds day)
    : hour_(kHourPoints, hour, hour / 2), day_(kDayPoints, day, hour / 2) {}

bool RateHistory::Add(RateRing::Clock::time_point now, double unix_now, uint64_t counter) {
  bool a = hour_.Add(now, unix_now, counter);
  bool b = day_.Add(now, unix_now, counter);
  return a || b;
}

void RateHistory::Break() {
  hour_.Break();
  day_.Break();
}

void RateHistory::Reconfigure(std::chrono::milliseconds hour, std::chrono::milliseconds day) {
  bool hour_changed = hour != hour_.interval();
  if (hour_changed) hour_ = RateRing(kHourPoints, hour, hour / 2);
  if (hour_changed || day != day_.interval()) day_ = RateRing(kDayPoints, day, hour / 2);
}

nlohmann::json RateHistory::Json() const {
  return {{"counter", "bytes_received"}, {"unit", "bytes/s"}, {"hour", hour_.Json()},
          {"day", day_.Json()}};
}

}  // namespace httpd
