// SPDX-License-Identifier: Apache-2.0
// Noticing that the machine was suspended, or that the virtual machine was
// cloned or restored from a snapshot: both leave the kernel's CRNG holding a
// state that another boot (or another clone) may share, and both call for
// fresh bytes at once.
//
//   - Resume from suspend: CLOCK_BOOTTIME counts the time spent suspended and
//     CLOCK_MONOTONIC does not, so their difference jumps by the suspended
//     time. ResumeDetector compares it between checks (pure; the daemon reads
//     the clocks with SuspendedTime()).
//   - VM generation change: the kernel's vmgenid driver (drivers/virt/
//     vmgenid.c) mixes the new generation ID into the pool -- a value the
//     hypervisor knows, so not a secret -- and sends a KOBJ_CHANGE uevent with
//     NEW_VMGENID=1. IsVmGenerationChange() recognises that datagram (pure);
//     UeventListener (uevent_listener.h) receives it.
// A VM paused and resumed by its hypervisor shows neither; nothing can see it.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace feed {

class ResumeDetector {
 public:
  explicit ResumeDetector(std::chrono::nanoseconds threshold) : threshold_(threshold) {}

  // `suspended`: CLOCK_BOOTTIME - CLOCK_MONOTONIC now. The first call sets the
  // baseline. Returns the growth since the previous call when it exceeds the
  // threshold (a resume), else nullopt. Reading the two clocks one after the
  // other adds microseconds of noise, far below any sensible threshold.
  std::optional<std::chrono::nanoseconds> Update(std::chrono::nanoseconds suspended);

  void set_threshold(std::chrono::nanoseconds threshold) { threshold_ = threshold; }

 private:
  std::chrono::nanoseconds threshold_;
  std::optional<std::chrono::nanoseconds> last_;
};

// CLOCK_BOOTTIME - CLOCK_MONOTONIC, read now.
std::chrono::nanoseconds SuspendedTime();
// CLOCK_BOOTTIME: time since boot, suspended time included.
std::chrono::nanoseconds BootTime();

// One NETLINK_KOBJECT_UEVENT datagram from the kernel: "ACTION@DEVPATH\0"
// followed by "KEY=VALUE\0" fields. True for a "change" event carrying the
// field NEW_VMGENID=1. udev's re-broadcasts (starting "libudev") and synthetic
// events written to a uevent file (their arguments arrive as SYNTH_ARG_*) are
// not it.
bool IsVmGenerationChange(std::string_view datagram);

}  // namespace feed
