// SPDX-License-Identifier: Apache-2.0
// egd-feed's configuration: one Config struct with defaults, loaded from TOML
// (feed/egd-feed.example.toml documents every key) and/or set on the command
// line. Loading never throws: errors come back as "file:line: section.key:
// message", the line of the offending key.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/egd_client.h"
#include "common/status.h"
#include "common/toml_config.h"
#include "feed/kernel_state.h"
#include "feed/mix.h"
#include "feed/schedule.h"

namespace feed {

// Ranges shared by the TOML keys and the command-line options.
constexpr size_t kMaxFeedBytes = 65536;        // seed_bytes, reseed_bytes: [1, this]
constexpr double kMaxBitsPerByte = 8.0;        // credit_bits_per_byte: [0, this]
constexpr int64_t kMinIntervalMs = 100;        // interval: [this, one day]
constexpr int64_t kMinReadTimeoutMs = 100;     // read_timeout: [this, one day]
constexpr int64_t kDayMs = 86400000;
constexpr int64_t kMinResumeMs = 100;          // resume_check (unless 0), resume_jump: min

// "HOST:PORT" (numeric IPv4, or [IPv6]:PORT; host names are not resolved) or
// "unix:/path".
egd::Status ParseEndpoint(std::string_view text, egd::EgdEndpoint* out);
// Appends `text` to *servers: an error if it does not parse, repeats one
// already there, or would make more than kMaxMix.
egd::Status AddServer(std::string_view text, std::vector<egd::EgdEndpoint>* servers);
// "a, b, c": the servers' texts, for logs.
std::string ServerList(const std::vector<egd::EgdEndpoint>& servers);

struct Config {
  std::string file;                  // where it was loaded from ("" = command line only)
  // [server] connect: one or several (an array); required (empty = not set),
  // at most kMaxMix, no two the same.
  std::vector<egd::EgdEndpoint> servers;
  size_t mix = 1;                    // [server] mix: hosts combined per feed, [1, servers]
  std::chrono::milliseconds read_timeout{60000};  // a read (connect included) taking longer is abandoned
  std::string device = "/dev/random";             // where the bytes go (write, or RNDADDENTROPY)
  double credit_bits_per_byte = 0.0;              // credit per byte until the CRNG is ready, [0, 8]
  ReseedMode reseed_crng = ReseedMode::kAuto;     // RNDRESEEDCRNG once ready (kernel_state.h)
  std::string metrics_file;                       // Prometheus text file ("" = none)
  std::chrono::milliseconds resume_check{1000};   // the suspend (clock) check; 0 = off
  std::chrono::milliseconds resume_jump{1000};    // a larger jump between two checks is a resume
  ScheduleConfig schedule;                        // seed, reseeds, watermark, reconnect backoff
  std::string user;                               // started as root: switch to this user ("" = stay)
  std::string log_level = "info";                 // error | warning | notice | info | debug
};

// Every key of egd-feed.toml, with its setter and, for the two that need a
// restart (feed.device, daemon.user), its RestartOnly rule; a SIGHUP keeps
// those at their running values with Schema::KeepRestartOnly.
const egd::toml_config::Schema<Config>& ConfigSchema();

// Loads and validates `path`; unknown tables or keys, wrong types and
// out-of-range values are errors. [server] connect may be missing here (the
// command line can give it). On error *out is untouched.
egd::Status LoadConfig(const std::string& path, Config* out);
egd::Status ParseConfig(std::string_view text, const std::string& name, Config* out);

}  // namespace feed
