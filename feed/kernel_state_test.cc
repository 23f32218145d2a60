// SPDX-License-Identifier: Apache-2.0
#include "feed/kernel_state.h"

#include <catch2/catch.hpp>

namespace feed {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

KernelState Make(double credit, ReseedMode reseed, bool held) {
  return KernelState({credit, reseed}, held, kStart);
}

TEST_CASE("the capability kept at start follows the configuration alone") {
  CHECK_FALSE(KernelState::KeepSysAdminAtStart({0.0, ReseedMode::kAuto}));
  CHECK_FALSE(KernelState::KeepSysAdminAtStart({0.0, ReseedMode::kNo}));
  CHECK(KernelState::KeepSysAdminAtStart({0.0, ReseedMode::kYes}));
  CHECK(KernelState::KeepSysAdminAtStart({2.0, ReseedMode::kAuto}));
  CHECK(KernelState::KeepSysAdminAtStart({2.0, ReseedMode::kNo}));
}

TEST_CASE("not ready: credited as configured, by RNDADDENTROPY, no reseed") {
  KernelState k = Make(2.25, ReseedMode::kAuto, true);
  CHECK_FALSE(k.Observe(false, seconds(3), kStart));
  CHECK(k.phase() == CrngPhase::kNotReady);
  FeedPlan p = k.Plan(64);
  CHECK(p.add_entropy);
  CHECK(p.credit_bits == 144);
  CHECK_FALSE(p.reseed);
  CHECK_FALSE(p.late);
  CHECK(k.NeedsSysAdmin());
}

TEST_CASE("not ready, credit 0: mixed in by write(2), nothing credited") {
  KernelState k = Make(0.0, ReseedMode::kAuto, false);
  k.Observe(false, seconds(3), kStart);
  FeedPlan p = k.Plan(64);
  CHECK_FALSE(p.add_entropy);
  CHECK(p.credit_bits == 0);
  CHECK_FALSE(p.reseed);
  k.Fed(64, p, false);
  CHECK_FALSE(k.WantsBootFeed());  // a write cannot make the kernel ready sooner
  CHECK(k.counters().bytes_uncredited == 64);
}

TEST_CASE("ready: mixed in without credit, then RNDRESEEDCRNG when held and wanted") {
  struct Case {
    double credit;
    ReseedMode reseed;
    bool held;
    bool reseeds;
  } cases[] = {
      {4.0, ReseedMode::kAuto, true, true},    // the credit drop-in also reseeds
      {0.0, ReseedMode::kAuto, false, false},  // the default: no capability at all
      {0.0, ReseedMode::kYes, true, true},     // kept for reseeding alone
      {4.0, ReseedMode::kNo, true, false},
      {0.0, ReseedMode::kYes, false, false},   // asked for, not held (a reload)
  };
  for (const Case& c : cases) {
    CAPTURE(c.credit, ReseedModeName(c.reseed), c.held);
    KernelState k = Make(c.credit, c.reseed, c.held);
    REQUIRE(k.Observe(true, seconds(3), kStart));
    FeedPlan p = k.Plan(64);
    CHECK_FALSE(p.add_entropy);
    CHECK(p.credit_bits == 0);
    CHECK(p.reseed == c.reseeds);
    CHECK(p.late == !c.reseeds);
    CHECK(k.NeedsSysAdmin() == c.reseeds);
  }
}

TEST_CASE("readiness is recorded once, with what was fed before it") {
  KernelState k = Make(1.0, ReseedMode::kAuto, true);
  CHECK_FALSE(k.Observe(false, seconds(2), kStart));
  FeedPlan p = k.Plan(64);
  k.Fed(64, p, false);
  CHECK_FALSE(k.Observe(false, seconds(3), kStart + milliseconds(800)));
  CHECK(k.Observe(true, milliseconds(3500), kStart + milliseconds(1500)));
  CHECK_FALSE(k.Observe(true, seconds(4), kStart + seconds(2)));   // once
  CHECK_FALSE(k.Observe(false, seconds(5), kStart + seconds(3)));  // never back
  CHECK(k.ready());
  REQUIRE(k.readiness());
  const Readiness& r = *k.readiness();
  CHECK_FALSE(r.at_start);
  CHECK(r.since_boot == milliseconds(3500));
  CHECK(r.after_start == milliseconds(1500));
  CHECK(r.bytes_before == 64);
  CHECK(r.bits_before == 64);
}

TEST_CASE("ready at the first probe: at_start") {
  KernelState k = Make(0.0, ReseedMode::kAuto, false);
  CHECK(k.Observe(true, seconds(1234), kStart));
  REQUIRE(k.readiness());
  CHECK(k.readiness()->at_start);
  CHECK(k.readiness()->bytes_before == 0);
}

TEST_CASE("boot feeds follow each other until 256 bits are credited") {
  KernelState k = Make(1.0, ReseedMode::kAuto, true);
  k.Observe(false, seconds(1), kStart);
  CHECK_FALSE(k.WantsBootFeed());  // nothing fed yet: the seed is due anyway
  int feeds = 0;
  do {
    FeedPlan p = k.Plan(64);
    k.Fed(64, p, false);
    ++feeds;
  } while (k.WantsBootFeed());
  CHECK(feeds == 4);  // 4 x 64 bits
  CHECK(k.counters().bits_credited == 256);
}

TEST_CASE("boot feeds stop at kMaxBootFeeds, and once ready") {
  KernelState k = Make(0.125, ReseedMode::kAuto, true);  // 8 bits per 64-byte feed
  k.Observe(false, seconds(1), kStart);
  int feeds = 0;
  do {
    k.Fed(64, k.Plan(64), false);
    ++feeds;
  } while (k.WantsBootFeed());
  CHECK(feeds == kMaxBootFeeds);

  KernelState r = Make(1.0, ReseedMode::kAuto, true);
  r.Observe(false, seconds(1), kStart);
  r.Fed(64, r.Plan(64), false);
  CHECK(r.WantsBootFeed());
  r.Observe(true, seconds(2), kStart + seconds(1));
  CHECK_FALSE(r.WantsBootFeed());
}

TEST_CASE("no boot feeds without the capability to credit") {
  KernelState k = Make(4.0, ReseedMode::kAuto, false);  // a reload lowered it already
  k.Observe(false, seconds(1), kStart);
  FeedPlan p = k.Plan(64);
  CHECK_FALSE(p.add_entropy);
  k.Fed(64, p, false);
  CHECK_FALSE(k.WantsBootFeed());
}

TEST_CASE("the capability is needed while it serves crediting or reseeding") {
  // Credit, no reseed: needed until ready, not after.
  KernelState k = Make(2.0, ReseedMode::kNo, true);
  k.Observe(false, seconds(1), kStart);
  CHECK(k.NeedsSysAdmin());
  k.Observe(true, seconds(2), kStart);
  CHECK_FALSE(k.NeedsSysAdmin());
  // Reseed yes, credit 0: needed in both phases.
  KernelState y = Make(0.0, ReseedMode::kYes, true);
  y.Observe(false, seconds(1), kStart);
  CHECK(y.NeedsSysAdmin());
  y.Observe(true, seconds(2), kStart);
  CHECK(y.NeedsSysAdmin());
  // A reload to credit 0 (auto): nothing left for it.
  KernelState r = Make(2.0, ReseedMode::kAuto, true);
  r.Observe(true, seconds(2), kStart);
  CHECK(r.NeedsSysAdmin());
  r.Reconfigure({0.0, ReseedMode::kAuto});
  CHECK_FALSE(r.NeedsSysAdmin());
  r.SysAdminDropped();
  CHECK_FALSE(r.sys_admin_held());
  CHECK_FALSE(r.Plan(64).reseed);
}

TEST_CASE("counters: credited and uncredited bytes, reseeds, resumes") {
  KernelState k = Make(8.0, ReseedMode::kAuto, true);
  k.Observe(false, seconds(1), kStart);
  k.Fed(32, k.Plan(32), false);
  k.Observe(true, seconds(2), kStart);
  k.Fed(64, k.Plan(64), true);
  k.Fed(64, k.Plan(64), false);  // the reseed failed
  k.Resumed(ResumeCause::kSuspend);
  k.Resumed(ResumeCause::kVmGeneration);
  k.Resumed(ResumeCause::kVmGeneration);
  const KernelCounters& c = k.counters();
  CHECK(c.bytes_credited == 32);
  CHECK(c.bits_credited == 256);
  CHECK(c.bytes_uncredited == 128);
  CHECK(c.reseeds == 1);
  CHECK(c.resumes_suspend == 1);
  CHECK(c.resumes_vmgenid == 2);
}

}  // namespace
}  // namespace feed
