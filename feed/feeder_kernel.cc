// SPDX-License-Identifier: Apache-2.0
// The Feeder's kernel side (feeder.h): CRNG readiness, resumes and VM
// generation changes, the capability that serves them, and what egd-feed
// publishes about them (metrics file, systemd status).
#include <cstdio>
#include <string>

#include "common/log.h"
#include "feed/feeder.h"
#include "feed/metrics.h"
#include "feed/notify.h"
#include "feed/privileges.h"

namespace feed {
namespace {

using egd::Log;
using egd::LogLevel;

std::string Seconds(std::chrono::nanoseconds t) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(t.count()) / 1e9);
  return text;
}

}  // namespace

void Feeder::StartKernelWatch() {
  Probe();
  if (!kernel_.ready()) {
    Log(LogLevel::kNotice, "kernel CRNG not ready yet (getrandom would block): ",
        kernel_.Plan(1).add_entropy ? "crediting as configured, feed after feed, until it is"
                                    : "mixing bytes in without credit until it is");
  }
  if (!options_.once) {
    resume_.Update(SuspendedTime());  // the baseline
    egd::Status st = UeventListener::Open(
        io_, [this] { OnResume(ResumeCause::kVmGeneration, {}); }, &uevents_);
    if (st.ok()) {
      Log(LogLevel::kInfo, "watching for VM generation changes (vmgenid uevents)");
    } else {
      Log(LogLevel::kInfo, "not watching for VM generation changes (", st.message(),
          "): resumes are seen by the clock check alone");
    }
    ArmTick();
    notify_timer_.expires_after(kNotifyWait);
    notify_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) NotifyReady();
    });
  }
  Publish();
}

// Until the CRNG is ready the tick probes it every kProbePeriod; after, it
// runs only for the resume check.
void Feeder::ArmTick() {
  std::chrono::milliseconds period = config_.resume_check;
  if (!kernel_.ready() && (period.count() == 0 || period > kProbePeriod)) period = kProbePeriod;
  if (period.count() == 0) {
    tick_.cancel();
    return;
  }
  tick_.expires_after(period);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Tick();
  });
}

void Feeder::Tick() {
  if (stopping_) return;
  Probe();
  CheckResume();
  ArmTick();
}

void Feeder::Probe() {
  if (kernel_.ready()) return;
  if (kernel_.Observe(probe_.Ready(), BootTime(), Clock::now())) OnCrngReady();
}

void Feeder::OnCrngReady() {
  const Readiness& r = *kernel_.readiness();
  Log(LogLevel::kNotice, "kernel CRNG ready after ", Seconds(r.since_boot),
      " since boot; egd-feed fed ", r.bytes_before, " bytes before (", r.bits_before,
      " bits credited)",
      r.at_start ? " (ready already when egd-feed started)"
                 : " (seen " + Seconds(r.after_start) + " after egd-feed's start)");
  ReviewCapability("CRNG ready, reseed_crng " +
                   std::string(ReseedModeName(kernel_.policy().reseed)));
  Publish();
}

void Feeder::CheckResume() {
  if (config_.resume_check.count() == 0) return;
  if (std::optional<std::chrono::nanoseconds> jump = resume_.Update(SuspendedTime())) {
    OnResume(ResumeCause::kSuspend, *jump);
  }
}

// A resumed or cloned machine: the connection may be dead or shared with a
// clone, so it is dropped (with any read in flight) and a fresh seed read on
// a new one at once.
void Feeder::OnResume(ResumeCause cause, std::chrono::nanoseconds jump) {
  if (stopping_) return;
  kernel_.Resumed(cause);
  Log(LogLevel::kNotice, ResumeCauseName(cause),
      cause == ResumeCause::kSuspend
          ? " (CLOCK_BOOTTIME moved " + Seconds(jump) + " ahead of CLOCK_MONOTONIC)"
          : std::string(" (vmgenid uevent)"),
      ": fetching fresh bytes on a new connection now");
  reading_.reset();
  StopClients();
  schedule_.FeedNow(Clock::now(), FeedReason::kResume);
  Publish();
  Wake();
}

void Feeder::ReviewCapability(const std::string& why) {
  if (!kernel_.sys_admin_held() || kernel_.NeedsSysAdmin()) return;
  egd::Status st = DropAllCapabilities();
  if (st.ok()) {
    kernel_.SysAdminDropped();
    Log(LogLevel::kNotice, why, ": CAP_SYS_ADMIN dropped, bytes are mixed in with write(2); "
        "using it again needs a restart");
    return;
  }
  // Under systemd the unit's SystemCallFilter denies capset: the service's
  // capabilities are the unit's business (remove the credit drop-in).
  if (logged_cap_kept_) return;
  logged_cap_kept_ = true;
  Log(LogLevel::kWarning, why, ": CAP_SYS_ADMIN serves nothing now; bytes are mixed in with "
      "write(2), but it stays until the next start (", st.message(), ")");
}

void Feeder::Publish() {
  if (!config_.metrics_file.empty()) {
    MixMetrics mix{config_.mix, mix_state_.full_feeds(), mix_state_.short_feeds(), {}};
    for (size_t i = 0; i < config_.servers.size(); ++i) {
      mix.hosts.push_back({config_.servers[i].text, pool_.failures_total(i)});
    }
    egd::Status st = WriteMetrics(config_.metrics_file, kernel_, &mix);
    std::string error = st.ok() ? "" : st.message();
    if (error != metrics_error_) {
      if (!st.ok()) Log(LogLevel::kWarning, "metrics: ", error);
      metrics_error_ = error;
    }
  }
  if (notified_ready_) Notify("STATUS=" + StatusText(kernel_));
}

void Feeder::NotifyReady() {
  if (notified_ready_) return;
  notified_ready_ = true;
  notify_timer_.cancel();
  egd::Status st = Notify("READY=1\nSTATUS=" + StatusText(kernel_));
  if (!st.ok()) Log(LogLevel::kWarning, st.message());
}

}  // namespace feed
