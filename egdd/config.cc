// Loading egdd's TOML configuration: the table of known keys, each with a small
// setter that checks its value and writes one Config field, run by the shared
// loader in common/toml_config.h. The first error stops loading.
#include "egdd/config.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/net_address.h"
#include "common/toml_config.h"

namespace egdd {
namespace {

using egd::Status;
using egd::toml_config::EnumName;
using egd::toml_config::Field;
using egd::toml_config::RestartOnly;
namespace toml_config = egd::toml_config;

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;
constexpr int64_t kGiB = 1024 * kMiB;

const std::set<int64_t> kBaudRates = {
    1200,   1800,   2400,   4800,    9600,    19200,   38400,   57600,
    115200, 230400, 460800, 500000,  576000,  921600,  1000000, 1152000,
    1500000, 2000000, 2500000, 3000000, 3500000, 4000000};

constexpr EnumName<SourceKind> kSourceKinds[] = {{"serial", SourceKind::kSerial},
                                                 {"hwrng", SourceKind::kHwrng},
                                                 {"file", SourceKind::kFile},
                                                 {"os", SourceKind::kOs}};
constexpr EnumName<OutputMode> kOutputModes[] = {{"raw", OutputMode::kRaw},
                                                 {"conditioned", OutputMode::kConditioned}};
constexpr EnumName<egd::SampleMode> kSampleModes[] = {{"bit", egd::SampleMode::kBit},
                                                     {"byte", egd::SampleMode::kByte}};
constexpr EnumName<AlarmPolicy> kAlarmPolicies[] = {{"reinit", AlarmPolicy::kReinit},
                                                    {"stop", AlarmPolicy::kStop}};
constexpr EnumName<std::string_view> kLogLevels[] = {
    {"error", "error"}, {"warning", "warning"}, {"notice", "notice"},
    {"info", "info"},   {"debug", "debug"}};

// "" or an absolute path.
bool SetOptionalPath(Field& f, std::string* out) {
  return f.Parsed(out, [](const std::string& text, std::string* path) {
    if (!text.empty() && text[0] != '/') {
      return Status::Error("'" + text + "' is not an absolute path");
    }
    *path = text;
    return Status::Ok();
  });
}

bool SetListen(Field& f, Config& c) {
  std::vector<ListenAddress> listen;
  bool ok = f.StringArray(
      [&](const std::string& text) { return egd::AppendListenAddress(text, &listen); });
  if (!ok) return false;
  if (listen.empty()) return f.Fail("must list at least one address");
  c.egd.listen = std::move(listen);
  return true;
}

bool SetInternalListen(Field& f, Config& c) {
  std::vector<ListenAddress> listen;
  bool ok = f.StringArray(
      [&](const std::string& text) { return egd::AppendListenAddress(text, &listen); });
  if (!ok) return false;
  c.egd.internal_listen = std::move(listen);
  return true;
}

bool SetTrustedPeers(Field& f, Config& c) {
  std::vector<egd::IpPrefix> peers;
  bool ok = f.StringArray([&](const std::string& text) {
    egd::IpPrefix prefix;
    Status status = egd::ParseIpPrefix(text, &prefix);
    if (status.ok()) peers.push_back(std::move(prefix));
    return status;
  });
  if (ok) c.egd.proxy_trusted_peers = std::move(peers);
  return ok;
}

// The source a [source] key sets: the [[source]] table being read, or the
// single [source] (Config::sources is filled only by [[source]] tables until
// FinishSources).
SourceConfig& Src(Config& c) { return c.sources.empty() ? c.source : c.sources.back().source; }
SerialConfig& Ser(Config& c) { return c.sources.empty() ? c.serial : c.sources.back().serial; }

bool SetSourceName(Field& f, Config& c) {
  return f.Parsed(&Src(c).name, [](const std::string& text, std::string* name) {
    bool ok = !text.empty() && text.size() <= 32 &&
              std::all_of(text.begin(), text.end(), [](char ch) {
                return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' ||
                       ch == '.';
              });
    if (!ok) return Status::Error("'" + text + "' is not a name (1 to 32 of A-Z a-z 0-9 . _ -)");
    *name = text;
    return Status::Ok();
  });
}

bool SetBaudRate(Field& f, SerialConfig* serial) {
  int64_t baud;
  if (!f.Int(INT64_MIN, INT64_MAX, &baud)) return false;
  if (!kBaudRates.count(baud)) {
    std::string rates;
    for (int64_t r : kBaudRates) rates += (rates.empty() ? "" : ", ") + std::to_string(r);
    return f.Fail(std::to_string(baud) + " is not a standard baud rate (" + rates + ")");
  }
  serial->baud_rate = static_cast<uint32_t>(baud);
  return true;
}

bool SetMode(Field& f, std::string* out) {
  return f.Parsed(out, [](const std::string& text, std::string* mode) {
    unsigned value;
    if (!ParseMode(text, &value)) {
      return Status::Error("'" + text + "' is not an octal mode like \"0660\"");
    }
    *mode = text;
    return Status::Ok();
  });
}

bool SetUnixPath(Field& f, std::string* out) {
  return f.Parsed(out, [](const std::string& text, std::string* path) {
    if (std::string problem = egd::UnixPathProblem(text); !problem.empty()) {
      return Status::Error(problem);
    }
    *path = text;
    return Status::Ok();
  });
}

// total_failure_max_identical must be below the chunk size.
std::string CheckHealth(const Config& config, const toml_config::KeyLines& lines, uint32_t* line) {
  const HealthConfig& h = config.health;
  if (h.total_failure_max_identical < h.total_failure_chunk) return "";
  *line = toml_config::FirstLine(
      lines, {"health.total_failure_max_identical", "health.total_failure_chunk"});
  return "health.total_failure_max_identical: " + std::to_string(h.total_failure_max_identical) +
         " is out of range [1, " + std::to_string(h.total_failure_chunk - 1) +
         "] (it must be below total_failure_chunk)";
}

// A TCP proxy listener takes PROXY headers only from listed peers: without
// them, any process that can reach the port could claim any client address.
std::string CheckProxyPeers(const Config& config, const toml_config::KeyLines& lines,
                            uint32_t* line) {
  if (!config.egd.proxy_trusted_peers.empty()) return "";
  for (const ListenAddress& a : config.egd.listen) {
    if (!a.proxy || a.is_unix) continue;
    *line = toml_config::FirstLine(lines, {"egd.listen"});
    return "egd.listen: '" + a.text + "' needs [egd] proxy_trusted_peers: the addresses of the "
           "TLS front ends allowed to send a PROXY header (or use a proxy:unix: listener)";
  }
  return "";
}

bool SetBitsPerSample(Field& f, Config& c) {
  int bits = 0;
  if (!f.Int(0, 8, &bits)) return false;
  if (bits != 0 && bits != 1 && bits != 2 && bits != 4 && bits != 8) {
    return f.Fail("must be 0 (the source's width), 1, 2, 4 or 8");
  }
  c.assessment.bits_per_sample = bits;
  return true;
}

bool HasKeyPrefix(const toml_config::KeyLines& lines, std::string_view prefix) {
  auto it = lines.lower_bound(std::string(prefix));
  return it != lines.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

// How source i's keys are named: "source" for the single table, else "source[i+1]".
std::string SourcePrefix(const toml_config::KeyLines& lines, size_t i) {
  std::string element = "source[" + std::to_string(i + 1) + "].";
  return HasKeyPrefix(lines, element) ? element.substr(0, element.size() - 1) : "source";
}

// A capture without an offset file would be served again after a restart.
std::string CheckReplay(const Config& config, const toml_config::KeyLines& lines,
                        uint32_t* line) {
  for (size_t i = 0; i < config.sources.size(); ++i) {
    const SourceConfig& s = config.sources[i].source;
    if (s.kind != SourceKind::kFile || !s.offset_file.empty() || s.replay) continue;
    std::string key = SourcePrefix(lines, i) + ".kind";
    *line = toml_config::FirstLine(lines, {key});
    return key + ": \"file\" needs offset_file so that a restart never serves the "
           "capture's bytes again, or replay = true (tests, demos)";
  }
  return "";
}

// Names are unique, and no two sources read the same device: they would
// split its bytes between them. [serial] belongs to the single [source].
std::string CheckSources(const Config& config, const toml_config::KeyLines& lines,
                         uint32_t* line) {
  bool array = HasKeyPrefix(lines, "source[");
  if (array && HasKeyPrefix(lines, "serial.")) {
    *line = toml_config::FirstLine(lines, {"serial.port", "serial.baud_rate"});
    return "[serial] applies to a single [source] table: with [[source]] tables, set port and "
           "baud_rate in each serial source's table";
  }
  if (!array && HasKeyPrefix(lines, "serial.") &&
      (lines.count("source.port") || lines.count("source.baud_rate"))) {
    *line = toml_config::FirstLine(lines, {"source.port", "source.baud_rate"});
    return "source.port: set the serial port and baud rate in [source] or in [serial], not both";
  }
  const std::vector<SourceEntry>& all = config.sources;
  for (size_t i = 0; array && i < all.size(); ++i) {
    std::string prefix = SourcePrefix(lines, i);
    if (lines.count(prefix + ".name")) continue;
    *line = toml_config::FirstLine(lines, {prefix + ".kind", prefix + ".path", prefix + ".port"});
    return "source[" + std::to_string(i + 1) + "]: every [[source]] table needs a name";
  }
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      std::string prefix = SourcePrefix(lines, i);
      const SourceConfig &a = all[i].source, &b = all[j].source;
      if (a.name == b.name) {
        *line = toml_config::FirstLine(lines, {prefix + ".name", prefix + ".kind"});
        return prefix + ".name: '" + a.name + "' names two sources";
      }
      bool same_device =
          a.kind == b.kind && a.kind != SourceKind::kOs &&
          (a.kind == SourceKind::kSerial ? all[i].serial.port == all[j].serial.port
                                         : a.path == b.path);
      if (same_device) {
        std::string key = prefix + (a.kind == SourceKind::kSerial ? ".port" : ".path");
        *line = toml_config::FirstLine(lines, {key, prefix + ".kind", prefix + ".name"});
        return key + ": source '" + a.name + "' reads the same device as '" + b.name + "'";
      }
    }
  }
  return "";
}

// The single [source] (+ [serial]) becomes the one entry of Config::sources;
// source and serial are always the first source's.
void FinishSources(Config& c) {
  if (c.sources.empty()) c.sources.push_back({c.source, c.serial});
  c.source = c.sources.front().source;
  c.serial = c.sources.front().serial;
}

std::string CheckAll(const Config& config, const toml_config::KeyLines& lines, uint32_t* line) {
  config.key_lines = lines;
  for (auto check : {CheckHealth, CheckProxyPeers, CheckSources, CheckReplay}) {
    std::string problem = check(config, lines, line);
    if (!problem.empty()) return problem;
  }
  return "";
}

const toml_config::Schema<Config>& TheSchema() {
  static const toml_config::Schema<Config> schema(
      {.detailed_dates = true, .nested_table_names = true},
      {
      {"source",
       {{"name", SetSourceName},
        {"kind", [](Field& f, Config& c) { return f.Enum(kSourceKinds, &Src(c).kind); }},
        {"path", [](Field& f, Config& c) { return f.NonEmptyString(&Src(c).path); }},
        {"entropy_per_bit",
         [](Field& f, Config& c) { return f.Fraction(&Src(c).entropy_per_bit); }},
        {"entropy_certified",
         [](Field& f, Config& c) { return f.Bool(&Src(c).entropy_certified); }},
        {"autostart", [](Field& f, Config& c) { return f.Bool(&Src(c).autostart); },
         RestartOnly<&Config::source, &SourceConfig::autostart>()},
        {"read_size", [](Field& f, Config& c) { return f.Int(1, kMiB, &Src(c).read_size); }},
        {"offset_file",
         [](Field& f, Config& c) { return SetOptionalPath(f, &Src(c).offset_file); }},
        {"replay", [](Field& f, Config& c) { return f.Bool(&Src(c).replay); }},
        {"port", [](Field& f, Config& c) { return f.NonEmptyString(&Ser(c).port); }},
        {"baud_rate", [](Field& f, Config& c) { return SetBaudRate(f, &Ser(c)); }}},
       [](Config& c, size_t) { c.sources.emplace_back(); }},
      {"serial",
       {{"port", [](Field& f, Config& c) { return f.NonEmptyString(&c.serial.port); }},
        {"baud_rate", [](Field& f, Config& c) { return SetBaudRate(f, &c.serial); }}}},
      {"egd",
       {{"listen", SetListen},
        {"internal_listen", SetInternalListen},
        {"proxy_trusted_peers", SetTrustedPeers},
        {"max_clients", [](Field& f, Config& c) { return f.Int(1, 1000000, &c.egd.max_clients); }},
        {"max_clients_per_address",
         [](Field& f, Config& c) { return f.Int(0, 1000000, &c.egd.max_clients_per_address); }},
        {"ipv4_prefix", [](Field& f, Config& c) { return f.Int(8, 32, &c.egd.ipv4_prefix); }},
        {"ipv6_prefix", [](Field& f, Config& c) { return f.Int(16, 128, &c.egd.ipv6_prefix); }},
        {"command_timeout_ms",
         [](Field& f, Config& c) { return f.Millis(100, 3600000, &c.egd.command_timeout); }},
        {"max_pending_output",
         [](Field& f, Config& c) { return f.Int(512, 64 * kMiB, &c.egd.max_pending_output); }},
        {"unix_mode", [](Field& f, Config& c) { return SetMode(f, &c.egd.unix_mode); }},
        {"client_rate_limit",
         [](Field& f, Config& c) { return f.Int(0, kGiB, &c.egd.client_rate_limit); }},
        {"client_burst",
         [](Field& f, Config& c) { return f.Int(255, kGiB, &c.egd.client_burst); }}}},
      {"control",
       {{"socket", [](Field& f, Config& c) { return SetUnixPath(f, &c.control.socket); }},
        {"mode", [](Field& f, Config& c) { return SetMode(f, &c.control.mode); }}}},
      {"pool",
       {{"size_bytes", [](Field& f, Config& c) { return f.Int(256, kGiB, &c.pool.size_bytes); }}}},
      {"output",
       {{"mode", [](Field& f, Config& c) { return f.Enum(kOutputModes, &c.output.mode); }}}},
      {"health",
       {{"total_failure_chunk",
         [](Field& f, Config& c) { return f.Int(16, 65536, &c.health.total_failure_chunk); }},
        {"total_failure_max_identical",
         [](Field& f, Config& c) {
           return f.Int(1, 65535, &c.health.total_failure_max_identical);
         }},
        {"sample", [](Field& f, Config& c) { return f.Enum(kSampleModes, &c.health.sample); }},
        {"alpha_exponent",
         [](Field& f, Config& c) { return f.Int(20, 64, &c.health.alpha_exponent); }},
        {"startup_test", [](Field& f, Config& c) { return f.Bool(&c.health.startup_test); }},
        {"on_alarm", [](Field& f, Config& c) { return f.Enum(kAlarmPolicies, &c.health.on_alarm); }},
        {"reinit_delay_ms",
         [](Field& f, Config& c) { return f.Millis(100, 3600000, &c.health.reinit_delay); }}}},
      {"assessment",
       {{"samples",
         [](Field& f, Config& c) { return f.Int(10000, 10000000, &c.assessment.samples); }},
        {"bits_per_sample", SetBitsPerSample},
        {"state_dir",
         [](Field& f, Config& c) { return f.NonEmptyString(&c.assessment.state_dir); }}}},
      {"log",
       {{"level", [](Field& f, Config& c) {
          std::string_view level;
          if (!f.Enum(kLogLevels, &level)) return false;
          c.log.level = std::string(level);
          return true;
        }}}},
      },
      CheckAll, FinishSources);
  return schema;
}

}  // namespace

std::string_view SourceKindName(SourceKind kind) {
  for (const auto& n : kSourceKinds) {
    if (n.value == kind) return n.name;
  }
  return "unknown";
}

bool ParseMode(std::string_view text, unsigned* mode) {
  if (text.empty() || text.size() > 4) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return false;
    value = value * 8 + static_cast<unsigned>(c - '0');
  }
  if (value > 0777) return false;
  *mode = value;
  return true;
}

Config::Config() {
  ListenAddress address;
  ParseListenAddress("unix:/run/egdd/egd.sock", &address);
  egd.listen.push_back(std::move(address));
}

Config SourceView(const Config& config, size_t index) {
  Config view = config;
  view.source = config.sources[index].source;
  view.serial = config.sources[index].serial;
  std::string element = "source[" + std::to_string(index + 1) + "].";
  toml_config::KeyLines lines;
  for (const auto& [key, line] : config.key_lines) {
    if (key.rfind("source[", 0) == 0 && key.rfind(element, 0) != 0) continue;  // another's
    if (key.rfind(element, 0) != 0) {
      lines[key] = line;
      continue;
    }
    std::string name = key.substr(element.size());
    bool serial = name == "port" || name == "baud_rate";
    lines[(serial ? "serial." : "source.") + name] = line;
  }
  view.key_lines = std::move(lines);
  return view;
}

int EffectiveBitsPerSample(const Config& config) {
  if (config.assessment.bits_per_sample != 0) return config.assessment.bits_per_sample;
  return config.source.kind == SourceKind::kSerial ? 1 : 8;
}

size_t EffectiveMaxClientsPerAddress(const EgdConfig& egd) {
  if (egd.max_clients_per_address > 0) return egd.max_clients_per_address;
  return std::max<size_t>(1, egd.max_clients / 4);
}

Status ParseConfig(std::string_view text, const std::string& name, Config* out) {
  return TheSchema().Parse(text, name, out);
}

Status LoadConfig(const std::string& path, Config* out) { return TheSchema().Load(path, out); }

void KeepRestartOnly(const Config& running, Config* loaded, std::vector<std::string>* kept) {
  TheSchema().KeepRestartOnly(running, loaded, kept);
}

std::vector<std::string> RestartOnlyKeys() { return TheSchema().RestartOnlyKeys(); }

std::string AtKey(const Config& config, std::initializer_list<std::string_view> keys,
                  std::string_view message) {
  uint32_t line = toml_config::FirstLine(config.key_lines, keys);
  if (line == 0) return config.file + ": " + std::string(message);
  return toml_config::Located(config.file, line, message);
}

}  // namespace egdd
