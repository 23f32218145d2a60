// SPDX-License-Identifier: Apache-2.0
// The egd-feed daemon: reads bytes from EGD servers when the Schedule says
// and hands them to the kernel the way the KernelState says (kernel_state.h):
// before the CRNG is ready, credited as configured (ioctl(RNDADDENTROPY),
// CAP_SYS_ADMIN) or mixed in (write(2)), feed after feed while the kernel
// still lacks credit; once it is ready, mixed in with write(2) and followed by
// ioctl(RNDRESEEDCRNG) when reseeding is on and CAP_SYS_ADMIN held. A resume
// from suspend (CLOCK_BOOTTIME jumps ahead of CLOCK_MONOTONIC) or a VM
// generation change (the vmgenid uevent) drops the connection and feeds a
// fresh seed at once.
//
// One io_context, one thread (Boost.Asio rather than a poll loop: the shared
// EgdClient is Asio, and timers, signals, the uevent socket and the connection
// then share one event loop with no hand-written fd bookkeeping). A
// steady_timer wakes the Feeder at Schedule::NextWake(); a second one ticks
// the kernel checks: readiness (getrandom(GRND_NONBLOCK), every 200 ms until
// ready, and before each feed) and the resume check (every resume_check). One
// EgdClient (one connection) per server does the reading; a feed reads the
// same number of bytes from `mix` different servers at once (HostPool picks
// them; mix.h) and hands the kernel their BLAKE2b mix (mix = 1: the one
// server's bytes, unchanged), crediting nothing when fewer than `mix` answered.
// At most one feed (so one read, one connection attempt per server) is in
// flight; egd::SignalLoop
// (common/signal_loop.h, as in egdd and trng-httpd) turns SIGTERM/SIGINT into
// a clean stop and SIGHUP into a reload. Under systemd (Type=notify) READY=1
// goes once the first feed is done, or kNotifyWait after start at the latest,
// and STATUS= follows every change; [feed] metrics_file gets the same counts.
//
// A reload is prepare-then-commit. Prepare: the file and the command-line
// overrides are built again (BuildConfig; a bad file is logged with its
// file:line and changes nothing, log level included), and the restart-only keys
// (feed.device, daemon.user: config.cc) keep their running values with a
// warning (Schema::KeepRestartOnly, egd::LogRestartOnly). Commit, which cannot
// fail: the capability (a reload that leaves CAP_SYS_ADMIN serving nothing
// drops it for good; one that would need it without holding it is logged as
// taking effect at the next start, and feeding goes on without), the
// schedule, the log level, and a new server: the read in flight on the old one
// is dropped (its lifetime token is), and the new one is read from at once.
//
// A read that fails or outlasts read_timeout closes the connection (bytes that
// had arrived are wiped, never fed) and counts as a failure for the backoff.
// Note that an EGD blocking read legitimately waits while the server has no
// entropy: read_timeout must exceed the time the server needs to gather
// seed_bytes, else egd-feed reconnects (with backoff) until it has them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/egd_client.h"
#include "common/signal_loop.h"
#include "feed/config.h"
#include "feed/kernel_state.h"
#include "feed/mix.h"
#include "feed/options.h"
#include "feed/random_device.h"
#include "feed/resume.h"
#include "feed/schedule.h"
#include "feed/uevent_listener.h"

namespace feed {

// READY=1 at the latest this long after start: a server that is slow or not
// there yet must not hold up the units ordered after egd-feed.
constexpr std::chrono::seconds kNotifyWait{5};
// How often readiness is probed until the CRNG is ready.
constexpr std::chrono::milliseconds kProbePeriod{200};

class Feeder {
 public:
  // sys_admin_held: the process kept CAP_SYS_ADMIN at start
  // (KernelState::KeepSysAdminAtStart, after RestrictPrivileges).
  Feeder(boost::asio::io_context& io, Options options, Config config, RandomDevice& device,
         CrngProbe& probe, bool sys_admin_held);

  Feeder(const Feeder&) = delete;
  Feeder& operator=(const Feeder&) = delete;

  // Starts feeding; io.run() returns after a stop (signal, or --once done).
  void Start();
  int exit_code() const { return exit_code_; }

 private:
  // The reads in flight, one per chosen host, all of the same size. Their
  // callbacks hold a weak_ptr and do nothing once the Feeder dropped it (a
  // reload switched servers, a resume, a stop, the Feeder gone).
  struct Reading {
    Schedule::Feed feed;
    std::vector<size_t> hosts;                     // indexes into clients_
    std::vector<egd::EgdClient::Result> results;   // by position in `hosts`
    size_t pending = 0;
  };

  void Wake();
  void Arm();
  void StartFeed(TimePoint now);
  void OnHostRead(const std::shared_ptr<Reading>& reading, size_t slot,
                  egd::EgdClient::Result result);
  void OnReadsDone(const std::shared_ptr<Reading>& reading);
  // Host i's read failed: its backoff, its connection closed, logged once per outage.
  void OnHostFailure(size_t i, const egd::EgdClient::Result& result, size_t wanted);
  void OnFailure(size_t wanted);  // every host of the feed failed
  void NewClients();              // one EgdClient and backoff per server
  void StopClients();
  // `from`: the hosts the bytes came from; `full`: all `mix` of them (else credit 0).
  void Feed(Schedule::Feed feed, egd::SecureBytes* bytes, const std::string& from, bool full);
  void LogFed(FeedReason reason, size_t n, const FeedPlan& plan, bool reseeded, bool resumed,
              const std::string& from);
  void ApplyCapability(Config* fresh);
  void Reload();  // SIGHUP (see above)
  void Stop(int code);

  // The kernel side (feeder_kernel.cc).
  void StartKernelWatch();
  void ArmTick();
  void Tick();
  void Probe();  // readiness, unless already seen
  void OnCrngReady();
  void CheckResume();
  void OnResume(ResumeCause cause, std::chrono::nanoseconds jump);
  // Drops CAP_SYS_ADMIN for good once it serves nothing; `why` starts the log line.
  void ReviewCapability(const std::string& why);
  void Publish();      // metrics file and STATUS=
  void NotifyReady();  // READY=1, once

  boost::asio::io_context& io_;
  const Options options_;
  Config config_;
  RandomDevice& device_;
  CrngProbe& probe_;
  KernelState kernel_;  // phase, CAP_SYS_ADMIN held, counters
  ResumeDetector resume_;
  Schedule schedule_;
  std::vector<std::unique_ptr<egd::EgdClient>> clients_;  // one per config_.servers
  HostPool pool_;        // which hosts a feed reads, their backoff (mix.h)
  MixState mix_state_;   // full mix or short of hosts, logged on change
  std::unique_ptr<UeventListener> uevents_;  // null where netlink is not allowed
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer tick_;
  boost::asio::steady_timer notify_timer_;
  std::shared_ptr<Reading> reading_;  // the read in flight's lifetime token
  uint64_t fed_bytes_ = 0;
  bool notified_ready_ = false;
  bool logged_late_ = false;      // "effective at the kernel's next reseed", said once
  bool logged_cap_kept_ = false;  // "CAP_SYS_ADMIN stays until the next start", said once
  std::string metrics_error_;     // the last metrics_file error logged ("" = writing)
  bool stopping_ = false;
  int exit_code_ = 0;
  egd::SignalLoop signals_;  // last: its handlers use everything above
};

// Everything after the configuration is known: refuses to credit (or to
// reseed with reseed_crng = yes) without CAP_SYS_ADMIN, opens the device,
// drops every capability (all but CAP_SYS_ADMIN when crediting or reseeding
// with yes) and switches to config.user if set, runs the daemon. Returns the
// exit code.
int RunFeeder(const Options& options, const Config& config);

}  // namespace feed
