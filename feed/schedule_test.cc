// SPDX-License-Identifier: Apache-2.0
#include "feed/schedule.h"

#include <string>

#include <catch2/catch.hpp>

namespace feed {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A fake clock: the schedule only ever sees the time points it is given.
struct FakeClock {
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  void Advance(milliseconds d) { now += d; }
};

ScheduleConfig TestConfig() {
  ScheduleConfig c;
  c.seed_bytes = 64;
  c.reseed_bytes = 32;
  c.interval = seconds(60);
  c.backoff = {milliseconds(1000), milliseconds(8000), 0.5};
  return c;
}

TEST_CASE("seed at start, then a reseed every interval") {
  FakeClock clock;
  Schedule s(TestConfig(), [] { return 0.0; }, clock.now);
  REQUIRE(s.FeedDue(clock.now));
  Schedule::Feed f = s.StartFeed(clock.now);
  CHECK(f.bytes == 64);
  CHECK(f.reason == FeedReason::kSeed);
  CHECK_FALSE(s.FeedDue(clock.now));           // one feed at a time
  CHECK(s.NextWake() == TimePoint::max());     // only the read's end wakes us
  clock.Advance(milliseconds(30));
  s.Succeeded(clock.now);
  CHECK(s.seeded());
  CHECK(s.NextWake() == clock.now + seconds(60));
  clock.Advance(seconds(59));
  CHECK_FALSE(s.FeedDue(clock.now));
  clock.Advance(seconds(1));
  REQUIRE(s.FeedDue(clock.now));
  f = s.StartFeed(clock.now);
  CHECK(f.bytes == 32);
  CHECK(f.reason == FeedReason::kInterval);
}

TEST_CASE("failures are retried with backoff; a success resets it") {
  FakeClock clock;
  Schedule s(TestConfig(), [] { return 0.0; }, clock.now);
  s.StartFeed(clock.now);
  CHECK(s.Failed(clock.now) == milliseconds(1000));
  CHECK_FALSE(s.FeedDue(clock.now + milliseconds(999)));
  clock.Advance(milliseconds(1000));
  REQUIRE(s.FeedDue(clock.now));
  Schedule::Feed f = s.StartFeed(clock.now);
  CHECK(f.reason == FeedReason::kSeed);  // not seeded yet: still the seed
  CHECK(f.bytes == 64);
  CHECK(s.Failed(clock.now) == milliseconds(2000));
  clock.Advance(milliseconds(2000));
  s.StartFeed(clock.now);
  CHECK(s.Failed(clock.now) == milliseconds(4000));
  clock.Advance(milliseconds(4000));
  s.StartFeed(clock.now);
  s.Succeeded(clock.now);
  CHECK(s.failures() == 0);
  CHECK(s.next_feed() == clock.now + seconds(60));
  clock.Advance(seconds(60));
  f = s.StartFeed(clock.now);
  CHECK(f.reason == FeedReason::kInterval);
  CHECK(s.Failed(clock.now) == milliseconds(1000));  // starts from initial again
  clock.Advance(milliseconds(1000));
  CHECK(s.StartFeed(clock.now).reason == FeedReason::kRetry);
}

TEST_CASE("retry delays respect the jitter bounds") {
  FakeClock clock;
  double u = 0.999;
  Schedule s(TestConfig(), [&] { return u; }, clock.now);
  for (int k = 1; k <= 6; ++k) {
    s.StartFeed(clock.now);
    milliseconds d = s.Failed(clock.now);
    long long base = std::min(1000LL << (k - 1), 8000LL);
    CHECK(d.count() >= base / 2);
    CHECK(d.count() <= base);
    clock.Advance(d);
  }
}

TEST_CASE("watermark off: entropy_avail is never read") {
  FakeClock clock;
  Schedule s(TestConfig(), [] { return 0.0; }, clock.now);
  clock.Advance(seconds(3600));
  CHECK_FALSE(s.WatermarkCheckDue(clock.now));
}

TEST_CASE("below the watermark a reseed moves forward to now") {
  FakeClock clock;
  ScheduleConfig c = TestConfig();
  c.low_watermark_bits = 128;
  c.watermark_check = seconds(5);
  Schedule s(c, [] { return 0.0; }, clock.now);
  s.StartFeed(clock.now);
  s.Succeeded(clock.now);
  CHECK(s.NextWake() == clock.now + seconds(5));  // the check comes before the reseed
  clock.Advance(seconds(5));
  REQUIRE(s.WatermarkCheckDue(clock.now));
  CHECK_FALSE(s.EntropyAvail(clock.now, 256u));   // 5.18+: always 256
  CHECK_FALSE(s.FeedDue(clock.now));
  CHECK_FALSE(s.WatermarkCheckDue(clock.now));
  clock.Advance(seconds(5));
  CHECK_FALSE(s.EntropyAvail(clock.now, std::nullopt));  // unreadable: nothing changes
  clock.Advance(seconds(5));
  CHECK(s.EntropyAvail(clock.now, 100u));
  REQUIRE(s.FeedDue(clock.now));
  Schedule::Feed f = s.StartFeed(clock.now);
  CHECK(f.reason == FeedReason::kWatermark);
  CHECK(f.bytes == 32);
  CHECK_FALSE(s.EntropyAvail(clock.now, 0u));  // a feed is already in flight
  s.Succeeded(clock.now);
  CHECK(s.next_feed() == clock.now + seconds(60));
}

TEST_CASE("the watermark does not override a retry's backoff") {
  FakeClock clock;
  ScheduleConfig c = TestConfig();
  c.low_watermark_bits = 128;
  c.watermark_check = milliseconds(100);
  Schedule s(c, [] { return 0.0; }, clock.now);
  s.StartFeed(clock.now);
  s.Succeeded(clock.now);
  clock.Advance(seconds(60));
  s.StartFeed(clock.now);
  s.Failed(clock.now);  // retry in 1 s
  clock.Advance(milliseconds(100));
  CHECK_FALSE(s.EntropyAvail(clock.now, 0u));
  CHECK_FALSE(s.FeedDue(clock.now));
}

TEST_CASE("reconfigure keeps the state and applies a new interval") {
  FakeClock clock;
  Schedule s(TestConfig(), [] { return 0.0; }, clock.now);
  s.StartFeed(clock.now);
  s.Succeeded(clock.now);
  TimePoint fed = clock.now;
  clock.Advance(seconds(10));
  ScheduleConfig c = TestConfig();
  c.interval = seconds(5);
  s.Reconfigure(c, clock.now);
  CHECK(s.next_feed() == fed + seconds(5));
  CHECK(s.FeedDue(clock.now));  // overdue under the new interval
  c.interval = seconds(600);
  s.Reconfigure(c, clock.now);
  CHECK(s.next_feed() == fed + seconds(600));
}

TEST_CASE("an aborted feed is due again at once without counting a failure") {
  FakeClock clock;
  Schedule s(TestConfig(), [] { return 0.0; }, clock.now);
  s.StartFeed(clock.now);
  s.Failed(clock.now);
  clock.Advance(milliseconds(1000));
  s.StartFeed(clock.now);
  s.Aborted(clock.now);
  CHECK(s.failures() == 0);
  CHECK(s.FeedDue(clock.now));
}

TEST_CASE("FeedNow: a boot feed right after a success, reseed-sized") {
  FakeClock clock;
  Schedule s(TestConfig(), [] { return 0.0; }, clock.now);
  s.StartFeed(clock.now);
  s.Succeeded(clock.now);
  s.FeedNow(clock.now, FeedReason::kBoot);
  REQUIRE(s.FeedDue(clock.now));
  Schedule::Feed f = s.StartFeed(clock.now);
  CHECK(f.reason == FeedReason::kBoot);
  CHECK(f.bytes == 32);
  s.Succeeded(clock.now);
  CHECK(s.NextWake() == clock.now + seconds(60));  // back to the interval
}

TEST_CASE("FeedNow: a resume cancels the feed in progress and seeds afresh") {
  FakeClock clock;
  Schedule s(TestConfig(), [] { return 0.0; }, clock.now);
  s.StartFeed(clock.now);
  s.Succeeded(clock.now);
  clock.Advance(seconds(60));
  s.StartFeed(clock.now);                  // a reseed in flight
  s.Failed(clock.now);                     // ... or failing: backoff 1 s
  clock.Advance(milliseconds(10));
  s.FeedNow(clock.now, FeedReason::kResume);
  CHECK(s.failures() == 0);
  REQUIRE(s.FeedDue(clock.now));
  Schedule::Feed f = s.StartFeed(clock.now);
  CHECK(f.reason == FeedReason::kResume);
  CHECK(f.bytes == 64);                    // seed_bytes
  s.FeedNow(clock.now, FeedReason::kResume);  // another resume while it reads
  CHECK_FALSE(s.feeding());
  CHECK(s.FeedDue(clock.now));
  CHECK(std::string(FeedReasonName(FeedReason::kResume)) == "resume seed");
  CHECK(std::string(FeedReasonName(FeedReason::kBoot)) == "boot feed");
}

}  // namespace
}  // namespace feed
