#include "httpd/rate_history.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = RateRing::Clock;

TEST_CASE("a point is the mean rate between readings an interval apart") {
  RateRing ring(3, seconds(10), seconds(5));
  Clock::time_point t0{};
  CHECK_FALSE(ring.Add(t0, 1000, 0));  // the first reading is the base
  CHECK(ring.Add(t0 + seconds(10), 1010, 600));
  REQUIRE(ring.points().size() == 1);
  CHECK(ring.points()[0].unix_time == 1010);
  CHECK(ring.points()[0].bytes_per_s == Approx(60));
  // Timer jitter within the slack still makes a point, measured over the real span.
  CHECK(ring.Add(t0 + seconds(19), 1019, 1050));
  CHECK(ring.points()[1].bytes_per_s == Approx(50));
  // Too early: no point, the base stays.
  CHECK_FALSE(ring.Add(t0 + seconds(20), 1020, 1100));
  CHECK(ring.Add(t0 + seconds(29), 1029, 1500));
  CHECK(ring.points()[2].bytes_per_s == Approx(45));
}

TEST_CASE("the ring keeps its capacity, dropping the oldest") {
  RateRing ring(3, seconds(1), milliseconds(0));
  Clock::time_point t{};
  ring.Add(t, 0, 0);
  for (int i = 1; i <= 5; ++i) ring.Add(t + seconds(i), i, 100 * i);
  REQUIRE(ring.points().size() == 3);
  CHECK(ring.points().front().unix_time == 3);
  CHECK(ring.points().back().unix_time == 5);
}

TEST_CASE("no point spans a gap: egdd unreachable, or restarted (its counter went back)") {
  RateRing ring(10, seconds(1), milliseconds(0));
  Clock::time_point t{};
  ring.Add(t, 0, 500);
  ring.Break();
  CHECK_FALSE(ring.Add(t + seconds(5), 5, 5000));  // a new base, not 4500 bytes in 5 s
  CHECK(ring.Add(t + seconds(6), 6, 5100));
  CHECK(ring.points().back().bytes_per_s == Approx(100));
  CHECK_FALSE(ring.Add(t + seconds(7), 7, 10));  // restarted egdd
  CHECK(ring.Add(t + seconds(8), 8, 60));
  CHECK(ring.points().back().bytes_per_s == Approx(50));
  CHECK(ring.points().size() == 2);
}

TEST_CASE("the history feeds an hour ring and a day ring from the same readings") {
  RateHistory h(seconds(10), seconds(60));
  Clock::time_point t{};
  h.Add(t, 0, 0);
  for (int i = 1; i <= 12; ++i) h.Add(t + seconds(10 * i), 10 * i, 80 * 10 * i);
  CHECK(h.hour().points().size() == 12);
  CHECK(h.day().points().size() == 2);
  CHECK(h.day().points()[0].bytes_per_s == Approx(80));
  nlohmann::json j = h.Json();
  CHECK(j["counter"] == "bytes_received");
  CHECK(j["hour"]["interval_s"] == 10.0);
  CHECK(j["hour"]["capacity"] == RateHistory::kHourPoints);
  CHECK(j["day"]["capacity"] == RateHistory::kDayPoints);
  CHECK(j["hour"]["points"].size() == 12);
  CHECK(j["hour"]["points"][0] == nlohmann::json::array({10.0, 80.0}));
}

TEST_CASE("a reload that changes an interval starts that ring afresh") {
  RateHistory h(seconds(1), seconds(2));
  Clock::time_point t{};
  for (int i = 0; i <= 4; ++i) h.Add(t + seconds(i), i, 10 * i);
  REQUIRE(h.hour().points().size() == 4);
  REQUIRE(h.day().points().size() == 2);
  h.Reconfigure(seconds(1), seconds(2));  // unchanged: kept
  CHECK(h.hour().points().size() == 4);
  h.Reconfigure(seconds(1), seconds(4));
  CHECK(h.hour().points().size() == 4);
  CHECK(h.day().points().empty());
  h.Reconfigure(milliseconds(500), seconds(4));
  CHECK(h.hour().points().empty());
  CHECK(h.hour().interval() == milliseconds(500));
}

}  // namespace
}  // namespace httpd
