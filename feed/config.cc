// SPDX-License-Identifier: Apache-2.0
// Loading egd-feed's TOML configuration: the table of known keys, each with a
// small setter that checks type and range and writes one Config field, run by
// the shared loader in common/toml_config.h. The first error stops loading.
#include "feed/config.h"

#include <cerrno>
#include <vector>

#include "common/log.h"
#include "common/net_address.h"
#include "common/toml_config.h"

namespace feed {
namespace {

using egd::Status;
using egd::toml_config::Field;
namespace toml_config = egd::toml_config;


// One server (a string) or several (an array of strings).
bool SetServers(Field& f, std::vector<egd::EgdEndpoint>* out) {
  std::vector<egd::EgdEndpoint> servers;
  if (!f.StringOrArray([&](const std::string& text) { return AddServer(text, &servers); })) {
    return false;
  }
  if (servers.empty()) return f.Fail("the list of servers is empty");
  *out = std::move(servers);
  return true;
}

bool SetLogLevel(Field& f, std::string* out) {
  return f.Parsed(out, [](const std::string& text, std::string* level) {
    if (!egd::ParseLogLevel(text)) {
      return Status::Error("'" + text + "' is not one of error, warning, notice, info, debug");
    }
    *level = text;
    return Status::Ok();
  });
}

bool SetReseed(Field& f, ReseedMode* out) {
  static constexpr toml_config::EnumName<ReseedMode> kNames[] = {
      {"auto", ReseedMode::kAuto}, {"yes", ReseedMode::kYes}, {"no", ReseedMode::kNo}};
  return f.Enum(kNames, out);
}

// 0 (off) or [kMinResumeMs, one day].
bool SetResumeCheck(Field& f, std::chrono::milliseconds* out) {
  std::chrono::milliseconds ms;
  if (!f.Millis(0, kDayMs, &ms)) return false;
  if (ms.count() != 0 && ms.count() < kMinResumeMs) {
    return f.Fail(std::to_string(ms.count()) + " is neither 0 (off) nor in [" +
                  std::to_string(kMinResumeMs) + ", " + std::to_string(kDayMs) + "]");
  }
  *out = ms;
  return true;
}

// The reconnect delay may not shrink: initial_delay_ms <= max_delay_ms.
std::string CheckBackoff(const Config& config, const toml_config::KeyLines& lines, uint32_t* line) {
  const BackoffConfig& b = config.schedule.backoff;
  if (b.initial <= b.max) return "";
  *line = toml_config::FirstLine(lines, {"reconnect.max_delay_ms", "reconnect.initial_delay_ms"});
  return "reconnect.max_delay_ms: " + std::to_string(b.max.count()) +
         " is below initial_delay_ms (" + std::to_string(b.initial.count()) + ")";
}

}  // namespace

// Restart-only: feed.device (opened at start, before the privileges are
// dropped: the new path may not be openable any more) and daemon.user (the
// uid switch cannot be undone). The credit and reseed_crng are neither: a
// reload may stop using CAP_SYS_ADMIN but not start (Feeder::ApplyCapability).
// Everything else, the server included, applies at once.
const toml_config::Schema<Config>& ConfigSchema() {
  using toml_config::RestartOnly;
  static const toml_config::Schema<Config> schema(
      {.detailed_dates = false, .nested_table_names = false},
      {
      {"server",
       {{"connect", [](Field& f, Config& c) { return SetServers(f, &c.servers); }},
        {"mix", [](Field& f, Config& c) { return f.Int(1, kMaxMix, &c.mix); }},
        {"read_timeout_ms",
         [](Field& f, Config& c) { return f.Millis(kMinReadTimeoutMs, kDayMs, &c.read_timeout); }}}},
      {"feed",
       {{"device", [](Field& f, Config& c) { return f.NonEmptyString(&c.device); },
         RestartOnly<&Config::device>()},
        {"credit_bits_per_byte",
         [](Field& f, Config& c) { return f.Number(0, kMaxBitsPerByte, &c.credit_bits_per_byte); }},
        {"reseed_crng", [](Field& f, Config& c) { return SetReseed(f, &c.reseed_crng); }},
        {"metrics_file", [](Field& f, Config& c) { return f.String(&c.metrics_file); }},
        {"resume_check_ms",
         [](Field& f, Config& c) { return SetResumeCheck(f, &c.resume_check); }},
        {"resume_jump_ms",
         [](Field& f, Config& c) { return f.Millis(kMinResumeMs, kDayMs, &c.resume_jump); }},
        {"seed_bytes",
         [](Field& f, Config& c) { return f.Int(1, kMaxFeedBytes, &c.schedule.seed_bytes); }},
        {"reseed_bytes",
         [](Field& f, Config& c) { return f.Int(1, kMaxFeedBytes, &c.schedule.reseed_bytes); }},
        {"interval_ms",
         [](Field& f, Config& c) { return f.Millis(kMinIntervalMs, kDayMs, &c.schedule.interval); }},
        {"low_watermark_bits",
         [](Field& f, Config& c) { return f.Int(0, 1 << 20, &c.schedule.low_watermark_bits); }},
        {"watermark_check_ms",
         [](Field& f, Config& c) {
           return f.Millis(100, kDayMs, &c.schedule.watermark_check);
         }}}},
      {"reconnect",
       {{"initial_delay_ms",
         [](Field& f, Config& c) { return f.Millis(10, kDayMs, &c.schedule.backoff.initial); }},
        {"max_delay_ms",
         [](Field& f, Config& c) { return f.Millis(10, kDayMs, &c.schedule.backoff.max); }},
        {"jitter", [](Field& f, Config& c) { return f.Number(0, 1, &c.schedule.backoff.jitter); }}}},
      {"daemon",
       {{"user", [](Field& f, Config& c) { return f.String(&c.user); },
         RestartOnly<&Config::user>()}}},
      {"log", {{"level", [](Field& f, Config& c) { return SetLogLevel(f, &c.log_level); }}}},
      },
      CheckBackoff);
  return schema;
}

Status ParseEndpoint(std::string_view text, egd::EgdEndpoint* out) {
  return egd::ParseNetAddress(text, true, out);
}

Status AddServer(std::string_view text, std::vector<egd::EgdEndpoint>* servers) {
  egd::EgdEndpoint e;
  Status st = ParseEndpoint(text, &e);
  if (!st.ok()) return st;
  for (const egd::EgdEndpoint& s : *servers) {
    if (s.text == e.text) return Status::Error("'" + e.text + "' is listed twice");
  }
  if (servers->size() >= kMaxMix) {
    return Status::Error("more than " + std::to_string(kMaxMix) + " servers");
  }
  servers->push_back(std::move(e));
  return Status::Ok();
}

std::string ServerList(const std::vector<egd::EgdEndpoint>& servers) {
  std::string out;
  for (const egd::EgdEndpoint& s : servers) out += (out.empty() ? "" : ", ") + s.text;
  return out;
}

Status ParseConfig(std::string_view text, const std::string& name, Config* out) {
  return ConfigSchema().Parse(text, name, out);
}

// Shared with egdd: a missing, unreadable or directory path is an error that
// names it (an ifstream would read a directory as an empty, valid file).
Status LoadConfig(const std::string& path, Config* out) { return ConfigSchema().Load(path, out); }

}  // namespace feed
