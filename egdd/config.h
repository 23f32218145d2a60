// egdd's configuration: one Config struct with defaults, loaded from TOML by
// LoadConfig. Every field here has a matching, commented key in
// egdd/egdd.example.toml. Loading never throws: errors come back as
// "file:line: message" (line of the offending key, or of the file when a key is
// missing in a way that has no line).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/client_address.h"
#include "common/listen_address.h"
#include "common/status.h"
#include "common/toml_config.h"
#include "health/sp800_90b.h"

namespace egdd {

enum class SourceKind { kSerial, kHwrng, kFile, kOs };
enum class OutputMode { kRaw, kConditioned };
enum class AlarmPolicy { kReinit, kStop };

std::string_view SourceKindName(SourceKind kind);

// A listen address (common/listen_address.h): "HOST:PORT", "[IPv6]:PORT",
// "unix:/path", "proxy:unix:/path" or "proxy:HOST:PORT" (every connection must
// start with a PROXY protocol v1 header, from stunnel's `protocol = proxy`,
// naming the real client; a TCP one takes it only from proxy_trusted_peers).
using egd::ListenAddress;
using egd::ParseListenAddress;

struct SourceConfig {
  std::string name = "main";             // names the source in status, metrics, logs and egdctl
  SourceKind kind = SourceKind::kHwrng;  // serial | hwrng | file | os
  std::string path = "/dev/hwrng";       // device or capture file (hwrng, file)
  double entropy_per_bit = 1.0;          // upper bound on the credited min-entropy per raw bit, (0, 1]
  bool entropy_certified = false;        // entropy_per_bit is an external certificate: credited as is
  bool autostart = true;                 // initialise at start; false = wait for `init` (restart-only)
  size_t read_size = 4096;               // bytes asked of the source per read, [1, 1 MiB]
  std::string offset_file;               // file: keeps the read offset across restarts ("" = not kept)
  bool replay = false;                   // file: may run without offset_file (restarts replay)
};

struct SerialConfig {
  std::string port = "/dev/ttyUSB0";  // the manual's serial port
  uint32_t baud_rate = 9600;          // the manual's baud rate
};

// One source: a [[source]] table (its serial port and baud rate in the same
// table), or the single [source] table with [serial].
struct SourceEntry {
  SourceConfig source;
  SerialConfig serial;
};

struct EgdConfig {
  std::vector<ListenAddress> listen;     // default: unix:/run/egdd/egd.sock only
  // Listeners for egdd's own services (trng-httpd): their connections are
  // served alike but counted apart as internal clients, not as EGD clients.
  std::vector<ListenAddress> internal_listen;  // default: none
  std::vector<egd::IpPrefix> proxy_trusted_peers;  // who may send a PROXY header to proxy:HOST:PORT
  size_t max_clients = 1024;             // further connections are closed at once, [1, 1e6]
  size_t max_clients_per_address = 0;    // per client key; 0 = max_clients / 4 (at least 1)
  int ipv4_prefix = 32;                  // IPv4 clients are counted per /N, [8, 32]
  int ipv6_prefix = 64;                  // IPv6 clients are counted per /N, [16, 128]
  std::chrono::milliseconds command_timeout{10000};  // a half-received command may wait this long
  size_t max_pending_output = 65536;     // stop reading a client whose unread responses exceed this
  std::string unix_mode = "0666";        // permissions of unix EGD sockets (octal)
  size_t client_rate_limit = 0;          // bytes/s per client key, 0 = unlimited
  size_t client_burst = 4096;            // bucket size for the limit, [255, 1 GiB]
};

struct ControlConfig {
  std::string socket = "/run/egdd/control.sock";  // unix socket for egdctl and trng-httpd
  std::string mode = "0660";                       // permissions of that socket (octal)
};

struct PoolConfig {
  size_t size_bytes = 1048576;  // tested bytes held ready, [256, 1 GiB]: a blocking read (<= 255) must fit
};

struct OutputConfig {
  OutputMode mode = OutputMode::kRaw;  // raw | conditioned
};

struct HealthConfig {
  size_t total_failure_chunk = 100;     // bytes per total failure test chunk, [16, 65536]
  size_t total_failure_max_identical = 12;  // alarm when a byte value occurs more often, [1, chunk); the manual used 6
  egd::SampleMode sample = egd::SampleMode::kBit;  // SP 800-90B RCT/APT samples: bit | byte
  int alpha_exponent = 40;          // RCT/APT false positive probability 2^-N, [20, 64]
  bool startup_test = true;         // FIPS 140-2 block tests on the first 20,000 bits after init
  AlarmPolicy on_alarm = AlarmPolicy::kReinit;  // reinit (after a delay) | stop (wait for init)
  std::chrono::milliseconds reinit_delay{10000};  // first delay; doubles while alarms repeat, [100, 3600000]
};

// egdd's own SP 800-90B assessment of its source (egdd/assessment.h).
struct AssessmentConfig {
  uint64_t samples = 1000000;   // raw samples per assessment, [10,000, 10,000,000]
  int bits_per_sample = 0;      // 0 = the source's (serial 1, others 8); else 1, 2, 4 or 8
  std::string state_dir = "/var/lib/egdd";  // results, one file per device identity
};

struct LogConfig {
  std::string level = "info";  // error | warning | notice | info | debug
};

struct Config {
  std::string file;  // where it was loaded from
  // Every source, in file order: one per [[source]] table, or the single
  // [source] (+ [serial]). Never empty after loading.
  std::vector<SourceEntry> sources;
  // The first source (what a single-source configuration has). The loader
  // fills these from sources[0]; a Device's view (SourceView) has its own.
  SourceConfig source;
  SerialConfig serial;
  EgdConfig egd;
  ControlConfig control;
  PoolConfig pool;
  OutputConfig output;
  HealthConfig health;
  AssessmentConfig assessment;
  LogConfig log;
  // The line each key was set on ("section.key"), so that an error found after
  // loading (a reload that cannot bind egd.listen) names it. Written by the
  // loader's final check, which sees the Config as const: hence mutable.
  mutable egd::toml_config::KeyLines key_lines;

  Config();  // fills egd.listen with its default
};

// "file:line: message" at the line of the first of `keys` set in the file
// ("file: message" when none is).
std::string AtKey(const Config& config, std::initializer_list<std::string_view> keys,
                  std::string_view message);

// The configuration as source `index` sees it: source and serial are that
// source's, and its key lines ("source[N].path", "source[N].port") are
// renamed to the single-source keys ("source.path", "serial.port"), so that
// errors found later name the right line.
Config SourceView(const Config& config, size_t index);

// Bits per assessed sample as applied (assessment.bits_per_sample, or the source's).
int EffectiveBitsPerSample(const Config& config);

// max_clients_per_address as applied: 0 means a quarter of max_clients.
size_t EffectiveMaxClientsPerAddress(const EgdConfig& egd);

// Loads and validates `path`. Unknown tables or keys, wrong types and
// out-of-range values are errors. On error *out is untouched.
egd::Status LoadConfig(const std::string& path, Config* out);

// Same, from text (for tests and fuzzing); `name` is used in messages.
egd::Status ParseConfig(std::string_view text, const std::string& name, Config* out);

// A reload: keys that apply only at the next start (the schema marks them
// RestartOnly; today source.autostart, which only decides what egdd does when
// it starts) get their running value back and are named in *kept.
void KeepRestartOnly(const Config& running, Config* loaded, std::vector<std::string>* kept);
std::vector<std::string> RestartOnlyKeys();

// Parses an octal permission string like "0660"; false if malformed or > 0777.
bool ParseMode(std::string_view text, unsigned* mode);

}  // namespace egdd
