// SPDX-License-Identifier: Apache-2.0
#include "feed/resume.h"

#include <time.h>

namespace feed {
namespace {

std::chrono::nanoseconds Read(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

std::optional<std::chrono::nanoseconds> ResumeDetector::Update(
    std::chrono::nanoseconds suspended) {
  std::optional<std::chrono::nanoseconds> last = last_;
  last_ = suspended;
  if (!last) return std::nullopt;
  std::chrono::nanoseconds jump = suspended - *last;
  if (jump > threshold_) return jump;
  return std::nullopt;
}

std::chrono::nanoseconds SuspendedTime() {
  std::chrono::nanoseconds mono = Read(CLOCK_MONOTONIC);
  return Read(CLOCK_BOOTTIME) - mono;
}

std::chrono::nanoseconds BootTime() { return Read(CLOCK_BOOTTIME); }

bool IsVmGenerationChange(std::string_view datagram) {
  size_t end = datagram.find('\0');
  std::string_view header = datagram.substr(0, end);
  if (header.substr(0, 7) != "change@") return false;  // also rejects "libudev"
  bool flagged = false;
  while (end != std::string_view::npos) {
    datagram.remove_prefix(end + 1);
    end = datagram.find('\0');
    std::string_view field = datagram.substr(0, end);
    if (field.starts_with("ACTION=") && field != "ACTION=change") return false;
    if (field == "NEW_VMGENID=1") flagged = true;
  }
  return flagged;
}

}  // namespace feed
