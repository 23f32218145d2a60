// SPDX-License-Identifier: Apache-2.0
// egd-feed: keeps the kernel's entropy pool fed from an EGD server.
#include <sodium.h>

#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/process_hardening.h"
#include "feed/config.h"
#include "feed/feeder.h"
#include "feed/options.h"

int main(int argc, char** argv) {
  // Non-dumpable, no core file: the bytes passing through must not reach a disk.
  egd::Status st = egd::HardenProcess();
  if (!st.ok()) {
    std::cerr << "egd-feed: " << st.message() << "\n";
    return 1;
  }
  feed::Options options;
  st = feed::ParseArgs(std::vector<std::string>(argv + 1, argv + argc), &options);
  if (!st.ok()) {
    std::cerr << "egd-feed: " << st.message() << "\n" << feed::kUsage;
    return 2;
  }
  if (options.help) {
    std::cout << feed::kUsage;
    return 0;
  }
  feed::Config config;
  st = feed::BuildConfig(options, &config);
  if (!st.ok()) {
    std::cerr << st.message() << "\n";
    return 1;
  }
  if (options.check_only) {
    std::cout << options.config_file << ": OK\n";
    return 0;
  }
  egd::SetLogLevel(*egd::ParseLogLevel(config.log_level));
  if (sodium_init() < 0) {
    egd::Log(egd::LogLevel::kError, "libsodium failed to initialise");
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return feed::RunFeeder(options, config);
  } catch (const std::exception& e) {
    egd::Log(egd::LogLevel::kError, "fatal: ", e.what());
    return 1;
  }
}
