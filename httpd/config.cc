// Loading trng-httpd's TOML configuration: the table of known keys, each with a
// setter that checks type and range and writes one Config field, run by the
// shared loader in common/toml_config.h; the first error stops loading.
#include "httpd/config.h"

#include <cerrno>
#include <vector>

#include "common/net_address.h"
#include "common/toml_config.h"

namespace httpd {
namespace {

using egd::Status;
using egd::toml_config::Field;
namespace toml_config = egd::toml_config;
using std::chrono::milliseconds;

constexpr int64_t kDay = 86400;

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
    return egd::ParseNetAddress(text, allow_unix, address);
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
         [](Field& f, Config& c) { return SetAbsolutePath(f, egd::kSunPathMax, &c.egdd.control); }},
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

}  // namespace

Config::Config() {
  egd::ParseNetAddress("127.0.0.1:8000", false, &http.listen);
  egd::ParseNetAddress("127.0.0.1:8888", true, &egdd.egd);
}

Status ParseConfig(std::string_view text, const std::string& name, Config* out) {
  return TheSchema().Parse(text, name, out);
}

// Shared with egdd: a missing, unreadable or directory path is an error that
// names it (an ifstream would read a directory as an empty, valid file).
Status LoadConfig(const std::string& path, Config* out) { return TheSchema().Load(path, out); }

}  // namespace httpd
