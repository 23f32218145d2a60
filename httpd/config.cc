// Loading trng-httpd's TOML configuration: the table of known keys, each with a
// setter that checks type and range and writes one Config field, run by the
// shared loader in common/toml_config.h; the first error stops loading.
#include "httpd/config.h"

#include <arpa/inet.h>

#include <cerrno>
#include <vector>

#include "common/toml_config.h"

namespace httpd {
namespace {

using egd::Status;
using egd::toml_config::Field;
namespace toml_config = egd::toml_config;
using std::chrono::milliseconds;

constexpr int64_t kDay = 86400;
constexpr size_t kSunPathMax = 108;

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

bool SetAddress(Field& f, bool allow_unix, Address* out) {
  return f.Parsed(out, [allow_unix](const std::string& text, Address* address) {
    return ParseAddress(text, allow_unix, address);
  });
}

const toml_config::Schema<Config>& TheSchema() {
  static const toml_config::Schema<Config> schema(
      {.detailed_dates = false, .nested_table_names = false},
      {
      {"http",
       {{"listen", [](Field& f, Config& c) { return SetAddress(f, false, &c.http.listen); }},
        {"max_clients", [](Field& f, Config& c) { return f.Int(1, 100000, &c.http.max_clients); }},
        {"header_limit_bytes",
         [](Field& f, Config& c) { return f.Int(1024, 1 << 20, &c.http.header_limit); }},
        {"body_limit_bytes",
         [](Field& f, Config& c) { return f.Int(0, 1 << 20, &c.http.body_limit); }},
        {"idle_timeout_ms",
         [](Field& f, Config& c) { return f.Duration(100, 3600000, &c.http.idle_timeout); }},
        {"request_timeout_ms",
         [](Field& f, Config& c) { return f.Duration(100, 3600000, &c.http.request_timeout); }},
        {"write_timeout_ms",
         [](Field& f, Config& c) { return f.Duration(100, 3600000, &c.http.write_timeout); }}}},
      {"egdd",
       {{"egd", [](Field& f, Config& c) { return SetAddress(f, true, &c.egdd.egd); }},
        {"control",
         [](Field& f, Config& c) { return SetAbsolutePath(f, kSunPathMax, &c.egdd.control); }},
        {"connections", [](Field& f, Config& c) { return f.Int(1, 64, &c.egdd.connections); }},
        {"random_timeout_ms",
         [](Field& f, Config& c) { return f.Duration(10, 3600000, &c.egdd.random_timeout); }},
        {"init_timeout_ms",
         [](Field& f, Config& c) { return f.Duration(10, 3600000, &c.egdd.init_timeout); }},
        {"control_timeout_ms",
         [](Field& f, Config& c) { return f.Duration(10, 600000, &c.egdd.control_timeout); }},
        {"status_max_age_ms",
         [](Field& f, Config& c) { return f.Duration(0, 60000, &c.egdd.status_max_age); }}}},
      {"limits",
       {{"max_num_bits",
         [](Field& f, Config& c) { return f.Int(1, 1 << 24, &c.limits.max_num_bits); }},
        {"max_quantity",
         [](Field& f, Config& c) { return f.Int(1, 1 << 24, &c.limits.max_quantity); }},
        {"max_total_bits",
         [](Field& f, Config& c) { return f.Int(1, 1 << 27, &c.limits.max_total_bits); }},
        {"max_testdata_bits",
         [](Field& f, Config& c) { return f.Int(1, 1 << 28, &c.limits.max_testdata_bits); }}}},
      {"files",
       {{"dir", [](Field& f, Config& c) { return SetAbsolutePath(f, 4096, &c.files.dir); }},
        {"max_files", [](Field& f, Config& c) { return f.Int(1, 100000, &c.files.max_files); }},
        {"max_age_s", [](Field& f, Config& c) { return f.Duration(1, 365 * kDay, &c.files.max_age); }}}},
      {"pollen",
       {{"enabled", [](Field& f, Config& c) { return f.Bool(&c.pollen.enabled); }},
        {"bytes", [](Field& f, Config& c) { return f.Int(1, 4096, &c.pollen.bytes); }}}},
      {"log",
       {{"level", [](Field& f, Config& c) {
          return f.OneOf({"error", "warning", "notice", "info", "debug"}, &c.log.level);
        }}}},
      });
  return schema;
}

Status ParsePort(std::string_view text, std::string_view port, uint16_t* out) {
  bool digits = !port.empty() && port.size() <= 5 &&
                port.find_first_not_of("0123456789") == std::string_view::npos;
  long value = digits ? std::stol(std::string(port)) : 0;
  if (value < 1 || value > 65535) {
    return Status::Error("'" + std::string(text) + "': the port must be a number in 1..65535");
  }
  *out = static_cast<uint16_t>(value);
  return Status::Ok();
}

}  // namespace

Config::Config() {
  ParseAddress("127.0.0.1:8000", false, &http.listen);
  ParseAddress("127.0.0.1:8888", true, &egdd.egd);
}

Status ParseAddress(std::string_view text, bool allow_unix, Address* out) {
  Address a;
  a.text = std::string(text);
  if (text.starts_with("unix:")) {
    if (!allow_unix) return Status::Error("'" + a.text + "': expected HOST:PORT");
    a.is_unix = true;
    a.path = std::string(text.substr(5));
    if (a.path.empty() || a.path[0] != '/' || a.path.size() >= kSunPathMax) {
      return Status::Error("'" + a.text + "': expected unix:/ABSOLUTE/PATH (< 108 bytes)");
    }
    *out = std::move(a);
    return Status::Ok();
  }
  bool v6 = text.starts_with("[");
  size_t colon = v6 ? text.find("]:") : text.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::Error("'" + a.text + "': expected HOST:PORT" +
                         (allow_unix ? " or unix:/PATH" : ""));
  }
  std::string host(v6 ? text.substr(1, colon - 1) : text.substr(0, colon));
  unsigned char binary[16];
  if (inet_pton(v6 ? AF_INET6 : AF_INET, host.c_str(), binary) != 1) {
    return Status::Error("'" + a.text + "': the host must be a numeric IPv4 address or a "
                         "bracketed IPv6 address like [::1]:8000");
  }
  Status st = ParsePort(text, text.substr(colon + (v6 ? 2 : 1)), &a.port);
  if (!st.ok()) return st;
  a.host = host;
  *out = std::move(a);
  return Status::Ok();
}

Status ParseConfig(std::string_view text, const std::string& name, Config* out) {
  return TheSchema().Parse(text, name, out);
}

// Shared with egdd: a missing, unreadable or directory path is an error that
// names it (an ifstream would read a directory as an empty, valid file).
Status LoadConfig(const std::string& path, Config* out) { return TheSchema().Load(path, out); }

}  // namespace httpd
