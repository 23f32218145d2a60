// trng-httpd's configuration: one Config struct with defaults, loaded from TOML
// by LoadConfig. Every field has a matching, commented key in
// httpd/trng-httpd.example.toml. Loading never throws: errors come back as
// "file:line: section.key: message" (the line of the offending key); rules
// across keys (a TCP proxy listener needs trusted peers, client_burst must hold
// the largest request, the day chart's interval is not shorter than the hour
// chart's) are checked after all keys are read.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/client_address.h"
#include "common/listen_address.h"
#include "common/net_address.h"
#include "common/status.h"
#include "common/toml_config.h"

namespace httpd {

// "HOST:PORT" (numeric IPv4, or [IPv6]:PORT) or "unix:/path".
using Address = egd::NetAddress;
using ListenAddress = egd::ListenAddress;

struct HttpConfig {
  // OPERATOR role: the manual's whole API, control (init/shutdown/restart) included.
  std::vector<ListenAddress> listen;         // default ["127.0.0.1:8000"]
  // PUBLIC role: everything but control, which answers 403.
  std::vector<ListenAddress> public_listen;  // default []
  std::vector<egd::IpPrefix> proxy_trusted_peers;  // who may send PROXY headers to proxy:HOST:PORT
  std::vector<std::string> allowed_hosts;    // Host header names besides loopback (lowercase)
  size_t max_clients = 512;       // open HTTP connections; more are closed at once
  size_t max_clients_per_address = 0;  // per client key; 0 = max_clients / 4, at least 1
  egd::ClientKeyPolicy client_key;      // ipv4_prefix / ipv6_prefix of a client key
  size_t header_limit = 8192;     // bytes of request line + headers
  size_t body_limit = 16384;      // bytes of request body (pollen challenges are ~140)
  std::chrono::milliseconds idle_timeout{30000};     // keep-alive wait for the next request's headers
  std::chrono::milliseconds request_timeout{10000};  // a PROXY header or a request body must arrive within this
  std::chrono::milliseconds write_timeout{30000};    // a response must be taken within this
  // Debian's JavaScript libraries, served at /javascript/ (only the files
  // httpd/js_library.cc lists: Chart.js from libjs-chart.js).
  std::string javascript_dir = "/usr/share/javascript";

  // max_clients_per_address with 0 resolved.
  size_t PerAddressLimit() const;
};

struct EgddConfig {
  Address egd;                                    // egdd's EGD listener, unix or TCP
  std::string control = "/run/egdd/control.sock"; // egdd's control socket
  size_t connections = 4;                         // EGD connections; a request uses one
  std::chrono::milliseconds random_timeout{30000};   // wait for entropy, then 503
  std::chrono::milliseconds init_timeout{60000};     // init/restart wait for "running", then 555
  std::chrono::milliseconds control_timeout{5000};   // one control socket exchange
  std::chrono::milliseconds status_max_age{250};     // reuse egdd's status this long
};

struct LimitsConfig {
  uint64_t max_num_bits = 65536;          // getRandom numBits
  uint64_t max_quantity = 10000;          // getRandom quantity
  uint64_t max_total_bits = 1048576;      // getRandom numBits * quantity
  uint64_t max_testdata_bits = 8388608;   // generateTestdata numBits (1 MiB .bin)
  uint64_t client_rate_limit = 0;         // random bytes/s per client key; 0 = unlimited
  uint64_t client_burst = 1048576;        // token bucket size; must hold the largest request
};

struct FilesConfig {
  std::string dir = "/run/trng-httpd/files";  // generated test data; tmpfs keeps it off disk
  size_t max_files = 32;                 // oldest files are deleted beyond this
  std::chrono::seconds max_age{600};     // files older than this are deleted (a timer)
};

struct PollenConfig {
  bool enabled = true;  // answer pollinate at POST / and /pollen
  size_t bytes = 64;    // random bytes hashed into each answer (pollen's default)
};

// The live status view (httpd/status_feed.h, GET /trng/randomNum/events).
struct StatusConfig {
  size_t max_streams = 32;             // open event streams in all; more get 503
  size_t max_streams_per_address = 4;  // open event streams per client key; more get 503
  std::chrono::milliseconds poll_interval{500};       // egdd's status, while a stream is open
  std::chrono::milliseconds rate_interval{10000};     // egdd's byte counter, always: the hour chart
  std::chrono::milliseconds rate_day_interval{300000};  // the day chart's resolution
  size_t sample_bytes = 4096;                // tested bytes per histogram sample; 0 = none
  std::chrono::seconds sample_interval{60};  // at most one sample this often, while a stream is open
};

struct LogConfig {
  std::string level = "info";  // error | warning | notice | info | debug
};

struct Config {
  std::string file;  // where it was loaded from
  HttpConfig http;
  EgddConfig egdd;
  LimitsConfig limits;
  FilesConfig files;
  PollenConfig pollen;
  StatusConfig status;
  LogConfig log;

  Config();  // fills the default addresses
};

// The most random bytes one request can take (getRandom, generateTestdata or
// pollen at their limits): client_burst must hold it when a rate is set.
uint64_t LargestRequestBytes(const Config& config);

// Every key of trng-httpd.toml, with its setter and, for the few that need a
// restart, its RestartOnly rule (config.cc says which and why); a SIGHUP keeps
// those at their running values with Schema::KeepRestartOnly.
const egd::toml_config::Schema<Config>& ConfigSchema();

// Loads and validates `path`. Unknown tables or keys, wrong types and
// out-of-range values are errors. On error *out is untouched.
egd::Status LoadConfig(const std::string& path, Config* out);

// Same, from text; `name` is used in messages.
egd::Status ParseConfig(std::string_view text, const std::string& name, Config* out);

}  // namespace httpd
