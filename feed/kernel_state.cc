// SPDX-License-Identifier: Apache-2.0
#include "feed/kernel_state.h"

#include "feed/random_device.h"

namespace feed {

const char* ReseedModeName(ReseedMode mode) {
  switch (mode) {
    case ReseedMode::kAuto: return "auto";
    case ReseedMode::kYes: return "yes";
    case ReseedMode::kNo: return "no";
  }
  return "?";
}

const char* ResumeCauseName(ResumeCause cause) {
  return cause == ResumeCause::kSuspend ? "resume from suspend" : "VM generation change";
}

KernelState::KernelState(KernelPolicy policy, bool sys_admin_held, TimePoint start)
    : policy_(policy), sys_admin_held_(sys_admin_held), start_(start) {}

bool KernelState::KeepSysAdminAtStart(const KernelPolicy& policy) {
  return policy.credit_bits_per_byte > 0 || policy.reseed == ReseedMode::kYes;
}

bool KernelState::Reseeds() const {
  if (!sys_admin_held_) return false;
  switch (policy_.reseed) {
    case ReseedMode::kYes: return true;
    case ReseedMode::kNo: return false;
    case ReseedMode::kAuto: return policy_.credit_bits_per_byte > 0;
  }
  return false;
}

bool KernelState::Observe(bool ready, std::chrono::nanoseconds boottime, TimePoint now) {
  const bool first_probe = !probed_;
  probed_ = true;
  if (!ready || phase_ == CrngPhase::kReady) return false;
  phase_ = CrngPhase::kReady;
  Readiness r;
  r.at_start = first_probe;
  r.since_boot = boottime;
  r.after_start = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_);
  r.bytes_before = counters_.bytes_credited + counters_.bytes_uncredited;
  r.bits_before = counters_.bits_credited;
  readiness_ = r;
  return true;
}

FeedPlan KernelState::Plan(size_t bytes) const {
  FeedPlan plan;
  if (phase_ == CrngPhase::kNotReady) {
    plan.add_entropy = Credits();
    plan.credit_bits = plan.add_entropy ? CreditBits(bytes, policy_.credit_bits_per_byte) : 0;
    return plan;
  }
  plan.reseed = Reseeds();
  plan.late = !plan.reseed;
  return plan;
}

void KernelState::Fed(size_t bytes, const FeedPlan& plan, bool reseeded) {
  if (plan.add_entropy && plan.credit_bits > 0) {
    counters_.bytes_credited += bytes;
    counters_.bits_credited += static_cast<uint64_t>(plan.credit_bits);
  } else {
    counters_.bytes_uncredited += bytes;
  }
  if (reseeded) ++counters_.reseeds;
  if (phase_ == CrngPhase::kNotReady) ++boot_feeds_;
}

bool KernelState::WantsBootFeed() const {
  return phase_ == CrngPhase::kNotReady && Credits() && boot_feeds_ > 0 &&
         boot_feeds_ < kMaxBootFeeds && counters_.bits_credited < kPoolReadyBits;
}

void KernelState::Resumed(ResumeCause cause) {
  ++(cause == ResumeCause::kSuspend ? counters_.resumes_suspend : counters_.resumes_vmgenid);
}

bool KernelState::NeedsSysAdmin() const {
  if (!sys_admin_held_) return false;
  if (phase_ == CrngPhase::kNotReady && policy_.credit_bits_per_byte > 0) return true;
  return Reseeds();
}

}  // namespace feed
