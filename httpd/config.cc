// Loading trng-httpd's TOML configuration with toml++: each known key has a
// setter that checks type and range and writes one Config field; the first
// error stops loading.
#include "httpd/config.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <toml++/toml.h>

namespace httpd {
namespace {

using egd::Status;
using std::chrono::milliseconds;

constexpr int64_t kDay = 86400;
constexpr size_t kSunPathMax = 108;

std::string Located(const std::string& file, const toml::source_region& where,
                    std::string_view message) {
  return file + ":" + std::to_string(where.begin.line) + ": " + std::string(message);
}

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

// One key being applied; errors read "file:line: section.key: message".
class Field {
 public:
  Field(const std::string& file, std::string name, const toml::node& node)
      : file_(file), name_(std::move(name)), node_(node) {}
  const std::string& error() const { return error_; }

  bool Fail(std::string_view message) {
    error_ = Located(file_, node_.source(), name_ + ": " + std::string(message));
    return false;
  }
  bool Expect(toml::node_type type) {
    if (node_.type() == type) return true;
    return Fail("expected " + std::string(TypeName(type)) + ", got " +
                std::string(TypeName(node_.type())));
  }
  template <typename T>
  bool Int(int64_t lo, int64_t hi, T* out) {
    if (!Expect(toml::node_type::integer)) return false;
    int64_t v = node_.as_integer()->get();
    if (v < lo || v > hi) {
      return Fail(std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "]");
    }
    *out = static_cast<T>(v);
    return true;
  }
  template <typename Duration>
  bool Time(int64_t lo, int64_t hi, Duration* out) {
    int64_t v;
    if (!Int(lo, hi, &v)) return false;
    *out = Duration(v);
    return true;
  }
  bool Bool(bool* out) {
    if (!Expect(toml::node_type::boolean)) return false;
    *out = node_.as_boolean()->get();
    return true;
  }
  bool String(std::string* out) {
    if (!Expect(toml::node_type::string)) return false;
    *out = node_.as_string()->get();
    return true;
  }
  bool AbsolutePath(size_t max_len, std::string* out) {
    std::string s;
    if (!String(&s)) return false;
    if (s.empty() || s[0] != '/') return Fail("'" + s + "' is not an absolute path");
    if (s.size() >= max_len) return Fail("'" + s + "' is too long");
    *out = std::move(s);
    return true;
  }
  bool Addr(bool allow_unix, Address* out) {
    std::string s;
    if (!String(&s)) return false;
    Status st = ParseAddress(s, allow_unix, out);
    return st.ok() || Fail(st.message());
  }
  bool OneOf(std::initializer_list<std::string_view> names, std::string* out) {
    std::string s, allowed;
    if (!String(&s)) return false;
    for (std::string_view n : names) {
      if (n == s) {
        *out = s;
        return true;
      }
      allowed += (allowed.empty() ? "" : ", ") + std::string(n);
    }
    return Fail("'" + s + "' is not one of " + allowed);
  }

 private:
  const std::string& file_;
  std::string name_;
  const toml::node& node_;
  std::string error_;
};

using Setter = bool (*)(Field&, Config&);
struct Key {
  std::string_view name;
  Setter set;
};
struct Section {
  std::string_view name;
  std::vector<Key> keys;
};

const std::vector<Section>& Sections() {
  static const std::vector<Section> sections = {
      {"http",
       {{"listen", [](Field& f, Config& c) { return f.Addr(false, &c.http.listen); }},
        {"max_clients", [](Field& f, Config& c) { return f.Int(1, 100000, &c.http.max_clients); }},
        {"header_limit_bytes",
         [](Field& f, Config& c) { return f.Int(1024, 1 << 20, &c.http.header_limit); }},
        {"body_limit_bytes",
         [](Field& f, Config& c) { return f.Int(0, 1 << 20, &c.http.body_limit); }},
        {"idle_timeout_ms",
         [](Field& f, Config& c) { return f.Time(100, 3600000, &c.http.idle_timeout); }},
        {"request_timeout_ms",
         [](Field& f, Config& c) { return f.Time(100, 3600000, &c.http.request_timeout); }},
        {"write_timeout_ms",
         [](Field& f, Config& c) { return f.Time(100, 3600000, &c.http.write_timeout); }}}},
      {"egdd",
       {{"egd", [](Field& f, Config& c) { return f.Addr(true, &c.egdd.egd); }},
        {"control",
         [](Field& f, Config& c) { return f.AbsolutePath(kSunPathMax, &c.egdd.control); }},
        {"connections", [](Field& f, Config& c) { return f.Int(1, 64, &c.egdd.connections); }},
        {"random_timeout_ms",
         [](Field& f, Config& c) { return f.Time(10, 3600000, &c.egdd.random_timeout); }},
        {"init_timeout_ms",
         [](Field& f, Config& c) { return f.Time(10, 3600000, &c.egdd.init_timeout); }},
        {"control_timeout_ms",
         [](Field& f, Config& c) { return f.Time(10, 600000, &c.egdd.control_timeout); }},
        {"status_max_age_ms",
         [](Field& f, Config& c) { return f.Time(0, 60000, &c.egdd.status_max_age); }}}},
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
       {{"dir", [](Field& f, Config& c) { return f.AbsolutePath(4096, &c.files.dir); }},
        {"max_files", [](Field& f, Config& c) { return f.Int(1, 100000, &c.files.max_files); }},
        {"max_age_s", [](Field& f, Config& c) { return f.Time(1, 365 * kDay, &c.files.max_age); }}}},
      {"pollen",
       {{"enabled", [](Field& f, Config& c) { return f.Bool(&c.pollen.enabled); }},
        {"bytes", [](Field& f, Config& c) { return f.Int(1, 4096, &c.pollen.bytes); }}}},
      {"log",
       {{"level", [](Field& f, Config& c) {
          return f.OneOf({"error", "warning", "notice", "info", "debug"}, &c.log.level);
        }}}},
  };
  return sections;
}

std::string UnknownName(std::string_view key, const toml::node& node, std::string_view section) {
  if (section.empty()) {
    return node.is_table() ? "unknown table [" + std::string(key) + "]"
                           : "unknown key '" + std::string(key) + "' outside any table";
  }
  return "unknown key '" + std::string(key) + "' in [" + std::string(section) + "]";
}

// Applies one table; *error set on the first failure.
bool ApplySection(const std::string& file, const Section& section, const toml::table& table,
                  Config& config, std::string* error) {
  for (const auto& [key, node] : table) {
    const Key* known = nullptr;
    for (const Key& k : section.keys) {
      if (k.name == key.str()) known = &k;
    }
    if (!known) {
      *error = Located(file, key.source(), UnknownName(key.str(), node, section.name));
      return false;
    }
    Field field(file, std::string(section.name) + "." + std::string(key.str()), node);
    if (!known->set(field, config)) {
      *error = field.error();
      return false;
    }
  }
  return true;
}

bool Apply(const std::string& file, const toml::table& root, Config& config, std::string* error) {
  for (const auto& [key, node] : root) {
    const Section* section = nullptr;
    for (const Section& s : Sections()) {
      if (s.name == key.str()) section = &s;
    }
    if (!section) {
      *error = Located(file, key.source(), UnknownName(key.str(), node, ""));
      return false;
    }
    if (!node.is_table()) {
      *error = Located(file, node.source(), std::string(key.str()) + ": expected a table, got " +
                                                std::string(TypeName(node.type())));
      return false;
    }
    if (!ApplySection(file, *section, *node.as_table(), config, error)) return false;
  }
  return true;
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
  try {
    toml::table root;
#if TOML_EXCEPTIONS
    try {
      root = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
      return Status::Error(Located(name, e.source(), e.description()));
    }
#else
    toml::parse_result result = toml::parse(text, name);
    if (!result) {
      return Status::Error(Located(name, result.error().source(), result.error().description()));
    }
    root = std::move(result).table();
#endif
    Config config;
    config.file = name;
    std::string error;
    if (!Apply(name, root, config, &error)) return Status::Error(error);
    *out = std::move(config);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Error(name + ": " + e.what());
  }
}

Status LoadConfig(const std::string& path, Config* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path, out);
}

}  // namespace httpd
