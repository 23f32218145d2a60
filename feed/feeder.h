// SPDX-License-Identifier: Apache-2.0
// The egd-feed daemon: reads bytes from an EGD server when the Schedule says
// and hands them to the kernel: with write(2) when it credits nothing (the
// default; no capability held), with ioctl(RNDADDENTROPY) when
// credit_bits_per_byte > 0 (CAP_SYS_ADMIN kept, decided at start).
//
// One io_context, one thread (Boost.Asio rather than a poll loop: the shared
// EgdClient is Asio, and timers, signals and the connection then share one
// event loop with no hand-written fd bookkeeping). A steady_timer wakes the
// Feeder at Schedule::NextWake(); an EgdClient with one connection does the
// reading, and at most one read (so at most one connection attempt) is in
// flight; egd::SignalLoop (common/signal_loop.h, as in egdd and trng-httpd)
// turns SIGTERM/SIGINT into a clean stop and SIGHUP into a reload.
//
// A reload is prepare-then-commit. Prepare: the file and the command-line
// overrides are built again (BuildConfig; a bad file is logged with its
// file:line and changes nothing, log level included), and the restart-only keys
// (feed.device, daemon.user: config.cc) keep their running values with a
// warning (Schema::KeepRestartOnly, egd::LogRestartOnly). Commit, which cannot
// fail: the credit (a reload to credit 0 drops CAP_SYS_ADMIN for good; a
// reload to a credit above 0 without it is logged as taking effect at the next
// start, and feeding goes on uncredited), the schedule, the log level, and a
// new server: the read in flight on the old one is dropped (its lifetime token
// is), and the new one is read from at once.
//
// A read that fails or outlasts read_timeout closes the connection (bytes that
// had arrived are wiped, never fed) and counts as a failure for the backoff.
// Note that an EGD blocking read legitimately waits while the server has no
// entropy: read_timeout must exceed the time the server needs to gather
// seed_bytes, else egd-feed reconnects (with backoff) until it has them.
#pragma once

#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/egd_client.h"
#include "common/signal_loop.h"
#include "feed/config.h"
#include "feed/options.h"
#include "feed/random_device.h"
#include "feed/schedule.h"

namespace feed {

class Feeder {
 public:
  // can_credit: the process holds CAP_SYS_ADMIN (config.credit_bits_per_byte > 0
  // at start, after RestrictPrivileges).
  Feeder(boost::asio::io_context& io, Options options, Config config, RandomDevice& device,
         bool can_credit);

  Feeder(const Feeder&) = delete;
  Feeder& operator=(const Feeder&) = delete;

  // Starts feeding; io.run() returns after a stop (signal, or --once done).
  void Start();
  int exit_code() const { return exit_code_; }

 private:
  // The read in flight. Its callback holds a weak_ptr and does nothing once
  // the Feeder dropped it (a reload switched servers, a stop, the Feeder gone).
  struct Reading {
    Schedule::Feed feed;
  };

  void Wake();
  void Arm();
  void StartFeed(TimePoint now);
  void OnRead(const Reading& reading, egd::EgdClient::Result result);
  void OnFailure(const egd::EgdClient::Result& result, size_t wanted);
  void Feed(Schedule::Feed feed, egd::SecureBytes* bytes);
  void ApplyCredit(Config* fresh);
  void Reload();  // SIGHUP (see above)
  void Stop(int code);

  boost::asio::io_context& io_;
  const Options options_;
  Config config_;
  RandomDevice& device_;
  bool can_credit_;  // CAP_SYS_ADMIN held: RNDADDENTROPY possible
  Schedule schedule_;
  std::unique_ptr<egd::EgdClient> client_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<Reading> reading_;  // the read in flight's lifetime token
  uint64_t fed_bytes_ = 0;
  bool stopping_ = false;
  int exit_code_ = 0;
  egd::SignalLoop signals_;  // last: its handlers use everything above
};

// Everything after the configuration is known: refuses to credit without
// CAP_SYS_ADMIN, opens the device, drops every capability (all but
// CAP_SYS_ADMIN when crediting) and switches to config.user if set, runs the
// daemon. Returns the exit code.
int RunFeeder(const Options& options, const Config& config);

}  // namespace feed
