// SPDX-License-Identifier: Apache-2.0
// egd-feed's command line. Options given on the command line override the
// configuration file's keys, at start and again at each reload (SIGHUP).
//
//   egd-feed --config FILE [options]
//   egd-feed --connect HOST:PORT|unix:PATH [--connect ...] [--mix K] [options]
//   egd-feed --check-config FILE
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/egd_client.h"
#include "common/status.h"
#include "feed/config.h"

namespace feed {

struct Options {
  std::string config_file;  // --config / --check-config
  bool check_only = false;  // --check-config: validate and exit
  bool once = false;        // --once: one feed, then exit (0 ok, 1 failed)
  bool help = false;        // --help
  // Overrides; unset ones leave the file's value (or the default).
  std::vector<egd::EgdEndpoint> connect;  // --connect, repeated; empty = the file's
  std::optional<size_t> mix;
  std::optional<double> bits_per_byte;
  std::optional<ReseedMode> reseed;
  std::optional<std::string> metrics_file;
  std::optional<size_t> seed_bytes;
  std::optional<size_t> reseed_bytes;
  std::optional<std::chrono::milliseconds> interval;
  std::optional<std::chrono::milliseconds> read_timeout;
  std::optional<uint32_t> watermark;
  std::optional<std::string> device;
  std::optional<std::string> user;
  std::optional<std::string> log_level;
};

extern const char kUsage[];

// Parses argv[1..]; errors name the option ("--seed-bytes: ...").
egd::Status ParseArgs(const std::vector<std::string>& args, Options* out);

// The configuration to run with: the file (if any), then the overrides; a
// server is required. Used at start and at each reload.
egd::Status BuildConfig(const Options& options, Config* out);

}  // namespace feed
