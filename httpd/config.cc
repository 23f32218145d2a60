// Loading trng-httpd's TOML configuration: the table of known keys, each with a
// setter that checks type and range and writes one Config field, run by the
// shared loader in common/toml_config.h; the first error stops loading. Rules
// across keys run afterwards (Check).
#include "httpd/config.h"

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <vector>

#include "common/net_address.h"
#include "common/toml_config.h"
#include "httpd/host.h"

namespace httpd {
namespace {

using egd::Status;
using egd::toml_config::Field;
namespace toml_config = egd::toml_config;
using std::chrono::milliseconds;

constexpr int64_t kDay = 86400;
constexpr int64_t kGiB = int64_t{1} << 30;

bool SetAbsolutePath(Field& f, size_t max_len, std::string* out) {
  return f.Parsed(out, [max_len](const std::string& text, std::string* path) {
    if (text.empty() || text[0] != '/') {
      return Status::Error("'" + text + "' is not an absolute path");
    }
    if (text.size() >= max_len) return Status::Error("'" + text + "' is too long");
    *path = text;
    return Status::Ok();
  });
}

// An absolute directory path without "." or ".." components.
bool SetDirectory(Field& f, std::string* out) {
  return f.Parsed(out, [](const std::string& text, std::string* path) {
    if (text.empty() || text[0] != '/') {
      return Status::Error("'" + text + "' is not an absolute path");
    }
    for (size_t start = 1; start <= text.size();) {
      size_t end = std::min(text.find('/', start), text.size());
      std::string_view part = std::string_view(text).substr(start, end - start);
      if (part == "." || part == "..") {
        return Status::Error("'" + text + "' has a '" + std::string(part) + "' component");
      }
      start = end + 1;
    }
    if (text.size() >= 4096) return Status::Error("'" + text + "' is too long");
    *path = text;
    return Status::Ok();
  });
}

bool SetAddress(Field& f, bool allow_unix, Address* out) {
  return f.Parsed(out, [allow_unix](const std::string& text, Address* address) {
    return egd::ParseNetAddress(text, allow_unix, address);
  });
}

bool SetListen(Field& f, bool allow_empty, std::vector<ListenAddress>* out) {
  std::vector<ListenAddress> list;
  bool ok = f.StringOrArray(
      [&](const std::string& text) { return egd::AppendListenAddress(text, &list); });
  if (!ok) return false;
  if (list.empty() && !allow_empty) return f.Fail("must list at least one address");
  *out = std::move(list);
  return true;
}

bool SetTrustedPeers(Field& f, Config& c) {
  std::vector<egd::IpPrefix> list;
  if (!f.StringArray([&](const std::string& text) {
        egd::IpPrefix prefix;
        if (Status st = egd::ParseIpPrefix(text, &prefix); !st.ok()) return st;
        list.push_back(std::move(prefix));
        return Status::Ok();
      })) {
    return false;
  }
  c.http.proxy_trusted_peers = std::move(list);
  return true;
}

bool SetAllowedHosts(Field& f, Config& c) {
  std::vector<std::string> list;
  if (!f.StringArray([&](const std::string& text) {
        bool bare_v6 = !text.starts_with("[") && text.find(':') != text.rfind(':');
        std::optional<HostPort> h = ParseHost(bare_v6 ? "[" + text + "]" : text);
        if (!h || h->port) {
          return Status::Error("'" + text + "' is not a host name or address (without a port)");
        }
        list.push_back(h->name);
        return Status::Ok();
      })) {
    return false;
  }
  c.http.allowed_hosts = std::move(list);
  return true;
}

// Cross-key rules: every listener address once; a TCP proxy listener needs
// trusted peers; a rate limit needs a bucket that holds the largest request.
std::string Check(const Config& c, const toml_config::KeyLines& lines, uint32_t* line) {
  for (const ListenAddress& a : c.http.public_listen) {
    auto same = [&a](const ListenAddress& b) { return egd::SameSocket(a, b); };
    if (std::any_of(c.http.listen.begin(), c.http.listen.end(), same)) {
      *line = toml_config::FirstLine(lines, {"http.public_listen"});
      return "http.public_listen: '" + a.text + "' is also in http.listen (one role per listener)";
    }
  }
  for (const auto* list : {&c.http.listen, &c.http.public_listen}) {
    for (const ListenAddress& a : *list) {
      if (!a.proxy || a.is_unix || !c.http.proxy_trusted_peers.empty()) continue;
      const char* key = list == &c.http.listen ? "http.listen" : "http.public_listen";
      *line = toml_config::FirstLine(lines, {key});
      return std::string(key) + ": '" + a.text + "' takes PROXY headers over TCP: list the TLS "
             "front end's address in http.proxy_trusted_peers (else any peer could claim any "
             "client address)";
    }
  }
  if (c.status.rate_day_interval < c.status.rate_interval) {
    *line = toml_config::FirstLine(lines, {"status.rate_day_interval_ms", "status.rate_interval_ms"});
    return "status.rate_day_interval_ms: " + std::to_string(c.status.rate_day_interval.count()) +
           " is shorter than status.rate_interval_ms (" +
           std::to_string(c.status.rate_interval.count()) +
           "): the day chart's points are made from the hour chart's readings";
  }
  uint64_t largest = LargestRequestBytes(c);
  if (c.limits.client_rate_limit > 0 && c.limits.client_burst < largest) {
    *line = toml_config::FirstLine(lines, {"limits.client_burst", "limits.client_rate_limit"});
    return "limits.client_burst: " + std::to_string(c.limits.client_burst) +
           " is below the largest single request (" + std::to_string(largest) +
           " random bytes); raise it or lower limits.max_total_bits, max_testdata_bits or "
           "pollen.bytes";
  }
  return "";
}

using toml_config::RestartOnly;

// Restart-only keys (RestartOnly<>: a reload keeps the running value and warns)
// are those bound to what trng-httpd opened at start: its listeners (and who may
// send PROXY headers to them, which Check ties to the listeners), how clients
// are keyed (open connections and token buckets are counted per key: a new
// keying would split a client between old and new keys, doubling its limits),
// egdd (its EGD connections are open; control names the same egdd) and the
// test data directory (files and tokens live there). Everything else applies
// to new connections and requests at once.
std::vector<toml_config::Key<Config>> HttpKeys() {
  return {
      {"listen", [](Field& f, Config& c) { return SetListen(f, false, &c.http.listen); },
       RestartOnly<&Config::http, &HttpConfig::listen>()},
      {"public_listen",
       [](Field& f, Config& c) { return SetListen(f, true, &c.http.public_listen); },
       RestartOnly<&Config::http, &HttpConfig::public_listen>()},
      {"proxy_trusted_peers", SetTrustedPeers,
       RestartOnly<&Config::http, &HttpConfig::proxy_trusted_peers>()},
      {"allowed_hosts", SetAllowedHosts},
      {"max_clients", [](Field& f, Config& c) { return f.Int(1, 100000, &c.http.max_clients); }},
      {"max_clients_per_address",
       [](Field& f, Config& c) { return f.Int(0, 100000, &c.http.max_clients_per_address); }},
      {"ipv4_prefix",
       [](Field& f, Config& c) { return f.Int(8, 32, &c.http.client_key.ipv4_prefix); },
       RestartOnly<&Config::http, &HttpConfig::client_key, &egd::ClientKeyPolicy::ipv4_prefix>()},
      {"ipv6_prefix",
       [](Field& f, Config& c) { return f.Int(16, 128, &c.http.client_key.ipv6_prefix); },
       RestartOnly<&Config::http, &HttpConfig::client_key, &egd::ClientKeyPolicy::ipv6_prefix>()},
      {"header_limit_bytes",
       [](Field& f, Config& c) { return f.Int(1024, 1 << 20, &c.http.header_limit); }},
      {"body_limit_bytes", [](Field& f, Config& c) { return f.Int(0, 1 << 20, &c.http.body_limit); }},
      {"idle_timeout_ms",
       [](Field& f, Config& c) { return f.Duration(100, 3600000, &c.http.idle_timeout); }},
      {"request_timeout_ms",
       [](Field& f, Config& c) { return f.Duration(100, 3600000, &c.http.request_timeout); }},
      {"write_timeout_ms",
       [](Field& f, Config& c) { return f.Duration(100, 3600000, &c.http.write_timeout); }},
      {"javascript_dir", [](Field& f, Config& c) { return SetDirectory(f, &c.http.javascript_dir); }}};
}

std::vector<toml_config::Key<Config>> EgddKeys() {
  return {
      {"egd", [](Field& f, Config& c) { return SetAddress(f, true, &c.egdd.egd); },
       RestartOnly<&Config::egdd, &EgddConfig::egd>()},
      {"control",
       [](Field& f, Config& c) { return SetAbsolutePath(f, egd::kSunPathMax, &c.egdd.control); },
       RestartOnly<&Config::egdd, &EgddConfig::control>()},
      {"connections", [](Field& f, Config& c) { return f.Int(1, 64, &c.egdd.connections); },
       RestartOnly<&Config::egdd, &EgddConfig::connections>()},
      {"random_timeout_ms",
       [](Field& f, Config& c) { return f.Duration(10, 3600000, &c.egdd.random_timeout); }},
      {"init_timeout_ms",
       [](Field& f, Config& c) { return f.Duration(10, 3600000, &c.egdd.init_timeout); }},
      {"control_timeout_ms",
       [](Field& f, Config& c) { return f.Duration(10, 600000, &c.egdd.control_timeout); }},
      {"status_max_age_ms",
       [](Field& f, Config& c) { return f.Duration(0, 60000, &c.egdd.status_max_age); }}};
}

std::vector<toml_config::Key<Config>> LimitsKeys() {
  return {
      {"max_num_bits", [](Field& f, Config& c) { return f.Int(1, 1 << 24, &c.limits.max_num_bits); }},
      {"max_quantity", [](Field& f, Config& c) { return f.Int(1, 1 << 24, &c.limits.max_quantity); }},
      {"max_total_bits",
       [](Field& f, Config& c) { return f.Int(1, 1 << 27, &c.limits.max_total_bits); }},
      {"max_testdata_bits",
       [](Field& f, Config& c) { return f.Int(1, 1 << 28, &c.limits.max_testdata_bits); }},
      {"client_rate_limit",
       [](Field& f, Config& c) { return f.Int(0, kGiB, &c.limits.client_rate_limit); }},
      {"client_burst", [](Field& f, Config& c) { return f.Int(1, kGiB, &c.limits.client_burst); }}};
}

// All live: stream limits apply to new streams, intervals from the next step
// (a changed rate interval starts that chart afresh).
std::vector<toml_config::Key<Config>> StatusKeys() {
  return {
      {"max_streams", [](Field& f, Config& c) { return f.Int(0, 10000, &c.status.max_streams); }},
      {"max_streams_per_address",
       [](Field& f, Config& c) { return f.Int(1, 10000, &c.status.max_streams_per_address); }},
      {"poll_interval_ms",
       [](Field& f, Config& c) { return f.Duration(50, 60000, &c.status.poll_interval); }},
      {"rate_interval_ms",
       [](Field& f, Config& c) { return f.Duration(100, 3600000, &c.status.rate_interval); }},
      {"rate_day_interval_ms",
       [](Field& f, Config& c) { return f.Duration(100, 86400000, &c.status.rate_day_interval); }},
      {"sample_bytes", [](Field& f, Config& c) { return f.Int(0, 65536, &c.status.sample_bytes); }},
      {"sample_interval_s",
       [](Field& f, Config& c) { return f.Duration(1, 86400, &c.status.sample_interval); }}};
}

}  // namespace

const toml_config::Schema<Config>& ConfigSchema() {
  static const toml_config::Schema<Config> schema(
      {.detailed_dates = false, .nested_table_names = false},
      {
      {"http", HttpKeys()},
      {"egdd", EgddKeys()},
      {"limits", LimitsKeys()},
      {"files",
       {{"dir", [](Field& f, Config& c) { return SetAbsolutePath(f, 4096, &c.files.dir); },
         RestartOnly<&Config::files, &FilesConfig::dir>()},
        {"max_files", [](Field& f, Config& c) { return f.Int(1, 100000, &c.files.max_files); }},
        {"max_age_s", [](Field& f, Config& c) { return f.Duration(1, 365 * kDay, &c.files.max_age); }}}},
      {"pollen",
       {{"enabled", [](Field& f, Config& c) { return f.Bool(&c.pollen.enabled); }},
        {"bytes", [](Field& f, Config& c) { return f.Int(1, 4096, &c.pollen.bytes); }}}},
      {"status", StatusKeys()},
      {"log",
       {{"level", [](Field& f, Config& c) {
          return f.OneOf({"error", "warning", "notice", "info", "debug"}, &c.log.level);
        }}}},
      },
      Check);
  return schema;
}

size_t HttpConfig::PerAddressLimit() const {
  if (max_clients_per_address > 0) return max_clients_per_address;
  return std::max<size_t>(1, max_clients / 4);
}

uint64_t LargestRequestBytes(const Config& c) {
  auto bytes = [](uint64_t bits) { return (bits + 7) / 8; };
  return std::max({bytes(c.limits.max_total_bits), bytes(c.limits.max_testdata_bits),
                   static_cast<uint64_t>(c.pollen.bytes)});
}

Config::Config() {
  ListenAddress listen;
  egd::ParseListenAddress("127.0.0.1:8000", &listen);
  http.listen.push_back(std::move(listen));
  egd::ParseNetAddress("unix:/run/egdd/egd.sock", true, &egdd.egd);
}

Status ParseConfig(std::string_view text, const std::string& name, Config* out) {
  return ConfigSchema().Parse(text, name, out);
}

// Shared with egdd: a missing, unreadable or directory path is an error that
// names it (an ifstream would read a directory as an empty, valid file).
Status LoadConfig(const std::string& path, Config* out) { return ConfigSchema().Load(path, out); }

}  // namespace httpd
