// SPDX-License-Identifier: Apache-2.0
#include "common/signal_loop.h"

#include <csignal>

#include "common/log.h"

namespace egd {

SignalLoop::SignalLoop(boost::asio::io_context& io, std::function<void()> reload,
                       std::function<void()> stop)
    : signals_(io, SIGHUP, SIGTERM, SIGINT), reload_(std::move(reload)), stop_(std::move(stop)) {
  Wait();
}

void SignalLoop::Wait() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec || done_) return;
    if (sig == SIGHUP) {
      reload_();
      return Wait();
    }
    Log(LogLevel::kNotice, "signal ", sig, ": stopping");
    done_ = true;
    stop_();
  });
}

void SignalLoop::Cancel() {
  done_ = true;
  boost::system::error_code ignored;
  signals_.cancel(ignored);
}

void LogRestartOnly(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    Log(LogLevel::kWarning, "reload: ", key, " changed; it takes effect at the next restart");
  }
}

}  // namespace egd
