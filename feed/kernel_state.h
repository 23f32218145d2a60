// SPDX-License-Identifier: Apache-2.0
// What egd-feed does with the kernel's CRNG as it is now (Linux >= 5.18), as
// a pure model: no clock of its own, no system calls, every observation passed
// in. The Feeder asks it how to hand each feed to the kernel and reports what
// happened; tests drive it with made-up observations.
//
// Two phases, read from getrandom(GRND_NONBLOCK) (CrngProbe):
//   not ready  credit counts: a feed is credited as configured (RNDADDENTROPY,
//              CAP_SYS_ADMIN) or mixed in (write(2)); while crediting, feeds
//              follow each other at once (WantsBootFeed) until the kernel has
//              been credited the 256 bits it needs, or kMaxBootFeeds;
//   ready      credit is ignored by the kernel: every feed is mixed in with
//              write(2), then RNDRESEEDCRNG makes it reach the CRNG at once when
//              reseeding is on and CAP_SYS_ADMIN is held; otherwise the bytes
//              wait for the kernel's next reseed (at most 60 s later).
// The kernel never goes back to not ready, so neither does the model.
//
// Capability: CAP_SYS_ADMIN serves crediting (not ready, credit > 0) and
// reseeding (ready, reseed on). `reseed = kAuto` reseeds only when the
// capability is held for crediting anyway; `kYes` keeps it for reseeding alone.
// NeedsSysAdmin() says whether it still serves the configuration; when it
// does not, the Feeder drops it for good.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "feed/schedule.h"

namespace feed {

enum class ReseedMode { kAuto, kYes, kNo };
const char* ReseedModeName(ReseedMode mode);

enum class CrngPhase { kNotReady, kReady };
enum class ResumeCause { kSuspend, kVmGeneration };
const char* ResumeCauseName(ResumeCause cause);

// Bits the kernel must be credited before its CRNG is ready (POOL_READY_BITS).
constexpr int kPoolReadyBits = 256;
// Back-to-back feeds before readiness, at most (a credit too small to matter
// must not drain the server).
constexpr int kMaxBootFeeds = 16;

struct KernelPolicy {
  double credit_bits_per_byte = 0.0;  // as configured, [0, 8]
  ReseedMode reseed = ReseedMode::kAuto;
};

// How one feed goes to the kernel.
struct FeedPlan {
  bool add_entropy = false;  // ioctl(RNDADDENTROPY) with credit_bits; else write(2)
  int credit_bits = 0;
  bool reseed = false;       // ioctl(RNDRESEEDCRNG) after the bytes are in
  bool late = false;         // ready, no reseed: the bytes reach the CRNG at its next reseed
};

// When readiness was first seen.
struct Readiness {
  bool at_start = false;                   // already ready at egd-feed's first probe
  std::chrono::nanoseconds since_boot{0};  // CLOCK_BOOTTIME when first seen
  std::chrono::nanoseconds after_start{0}; // how long after egd-feed's start
  uint64_t bytes_before = 0;               // fed before it (credited or not)
  uint64_t bits_before = 0;                // credited before it
};

struct KernelCounters {
  uint64_t bytes_credited = 0;    // fed with RNDADDENTROPY and a credit > 0
  uint64_t bytes_uncredited = 0;  // fed with write(2)
  uint64_t bits_credited = 0;
  uint64_t reseeds = 0;           // RNDRESEEDCRNG calls that succeeded
  uint64_t resumes_suspend = 0;   // CLOCK_BOOTTIME jumps (resume from suspend)
  uint64_t resumes_vmgenid = 0;   // VM generation changes (vmgenid uevent)
};

class KernelState {
 public:
  // sys_admin_held: CAP_SYS_ADMIN kept at start (KeepSysAdminAtStart).
  KernelState(KernelPolicy policy, bool sys_admin_held, TimePoint start);

  // Whether egd-feed keeps CAP_SYS_ADMIN when it drops privileges at start:
  // decided by the configuration alone (the phase may still change).
  static bool KeepSysAdminAtStart(const KernelPolicy& policy);

  // A probe's result. Returns true the first time the CRNG is seen ready.
  bool Observe(bool ready, std::chrono::nanoseconds boottime, TimePoint now);

  FeedPlan Plan(size_t bytes) const;
  // A feed reached the kernel as planned; `reseeded`: RNDRESEEDCRNG succeeded.
  void Fed(size_t bytes, const FeedPlan& plan, bool reseeded);
  // Another feed should follow at once: not ready, crediting, less than
  // kPoolReadyBits credited, fewer than kMaxBootFeeds feeds so far.
  bool WantsBootFeed() const;
  void Resumed(ResumeCause cause);

  // CAP_SYS_ADMIN serves the policy in the current phase.
  bool NeedsSysAdmin() const;
  void SysAdminDropped() { sys_admin_held_ = false; }
  // A reload: the new policy (the Feeder has already lowered what the held
  // capabilities cannot serve).
  void Reconfigure(const KernelPolicy& policy) { policy_ = policy; }

  CrngPhase phase() const { return phase_; }
  bool ready() const { return phase_ == CrngPhase::kReady; }
  bool probed() const { return probed_; }
  bool sys_admin_held() const { return sys_admin_held_; }
  const KernelPolicy& policy() const { return policy_; }
  const std::optional<Readiness>& readiness() const { return readiness_; }
  const KernelCounters& counters() const { return counters_; }

 private:
  bool Credits() const { return policy_.credit_bits_per_byte > 0 && sys_admin_held_; }
  bool Reseeds() const;

  KernelPolicy policy_;
  bool sys_admin_held_;
  TimePoint start_;
  CrngPhase phase_ = CrngPhase::kNotReady;
  bool probed_ = false;
  int boot_feeds_ = 0;
  std::optional<Readiness> readiness_;
  KernelCounters counters_;
};

}  // namespace feed
