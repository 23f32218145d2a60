// SPDX-License-Identifier: Apache-2.0
// The one signal and reload loop of our daemons (egdd, trng-httpd, egd-feed),
// on their io_context:
//   SIGHUP          reload() runs, and the loop waits for the next signal;
//   SIGTERM, SIGINT "signal N: stopping" is logged, stop() runs once and the
//                   loop ends (io_context::run() returns once the daemon has
//                   closed its sockets and timers).
// Cancel() ends the loop without calling stop(). Single-threaded: construct,
// cancel and destroy on the io_context's thread.
//
// A reload follows one pattern in every daemon: load the file again (an error
// is logged with its file:line and changes nothing), keep restart-only keys at
// their running values (toml_config::Schema::KeepRestartOnly; LogRestartOnly
// says which), then apply the rest.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace egd {

class SignalLoop {
 public:
  SignalLoop(boost::asio::io_context& io, std::function<void()> reload, std::function<void()> stop);
  void Cancel();

 private:
  void Wait();

  boost::asio::signal_set signals_;
  std::function<void()> reload_;
  std::function<void()> stop_;
  bool done_ = false;
};

// "reload: KEY changed; it takes effect at the next restart" for each key.
void LogRestartOnly(const std::vector<std::string>& keys);

}  // namespace egd
