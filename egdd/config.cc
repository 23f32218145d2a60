// Loading egdd's TOML configuration. The document is parsed by toml++ into a
// tree; each known key has a small setter that checks its type and range and
// writes one Config field. The first error stops loading.
#include "egdd/config.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include <toml++/toml.h>

namespace egdd {
namespace {

using egd::Status;

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;
constexpr int64_t kGiB = 1024 * kMiB;
constexpr size_t kSunPathMax = 108;  // sizeof(sockaddr_un::sun_path), NUL included

const std::set<int64_t> kBaudRates = {
    1200,   1800,   2400,   4800,    9600,    19200,   38400,   57600,
    115200, 230400, 460800, 500000,  576000,  921600,  1000000, 1152000,
    1500000, 2000000, 2500000, 3000000, 3500000, 4000000};

template <typename T>
struct EnumName {
  std::string_view name;
  T value;
};

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

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string Located(const std::string& file, const toml::source_region& where,
                    std::string_view message) {
  return file + ":" + std::to_string(where.begin.line) + ": " + std::string(message);
}

// Empty if `path` can name a unix socket, else what is wrong with it.
std::string UnixPathProblem(std::string_view path) {
  if (path.empty() || path[0] != '/') return "'" + std::string(path) + "' is not an absolute path";
  if (path.size() >= kSunPathMax) {
    return "'" + std::string(path) + "' is " + std::to_string(path.size()) +
           " bytes long; unix socket paths must be shorter than 108 bytes";
  }
  if (path.find('\0') != std::string_view::npos) return "socket path contains a NUL byte";
  return "";
}

// One key's value being applied; reports errors as "file:line: section.key: ...".
class Field {
 public:
  Field(const std::string& file, std::string name, const toml::node& node)
      : file_(file), name_(std::move(name)), node_(node) {}

  const toml::node& node() const { return node_; }
  const std::string& error() const { return error_; }

  bool Fail(std::string_view message) { return FailAt(node_.source(), message); }
  bool FailAt(const toml::source_region& where, std::string_view message) {
    error_ = Located(file_, where, name_ + ": " + std::string(message));
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

  bool Bool(bool* out) {
    if (!Expect(toml::node_type::boolean)) return false;
    *out = node_.as_boolean()->get();
    return true;
  }

  // A duration given in milliseconds (keys named *_ms).
  bool Millis(int64_t lo, int64_t hi, std::chrono::milliseconds* out) {
    int64_t ms;
    if (!Int(lo, hi, &ms)) return false;
    *out = std::chrono::milliseconds(ms);
    return true;
  }

  bool String(std::string* out) {
    if (!Expect(toml::node_type::string)) return false;
    *out = node_.as_string()->get();
    return true;
  }

  bool NonEmptyString(std::string* out) {
    std::string s;
    if (!String(&s)) return false;
    if (s.empty()) return Fail("must not be empty");
    *out = std::move(s);
    return true;
  }

  // entropy_per_bit: a float (or integer) in (0, 1].
  bool Fraction(double* out) {
    if (!node_.is_integer() && !node_.is_floating_point()) {
      return Fail("expected a float, got " + std::string(TypeName(node_.type())));
    }
    double v = node_.value<double>().value_or(0);
    if (!(v > 0 && v <= 1)) {  // also catches nan
      std::ostringstream text;
      text << v << " is out of range (0, 1]";
      return Fail(text.str());
    }
    *out = v;
    return true;
  }

  template <typename T, size_t N>
  bool Enum(const EnumName<T> (&names)[N], T* out) {
    std::string s;
    if (!String(&s)) return false;
    std::string allowed;
    for (const auto& n : names) {
      if (n.name == s) {
        *out = n.value;
        return true;
      }
      allowed += (allowed.empty() ? "" : ", ") + std::string(n.name);
    }
    return Fail("'" + s + "' is not one of " + allowed);
  }

  bool Mode(std::string* out) {
    std::string s;
    if (!String(&s)) return false;
    unsigned mode;
    if (!ParseMode(s, &mode)) return Fail("'" + s + "' is not an octal mode like \"0660\"");
    *out = std::move(s);
    return true;
  }

  bool UnixPath(std::string* out) {
    std::string s;
    if (!String(&s)) return false;
    if (std::string problem = UnixPathProblem(s); !problem.empty()) return Fail(problem);
    *out = std::move(s);
    return true;
  }

 private:
  const std::string& file_;
  std::string name_;
  const toml::node& node_;
  std::string error_;
};

std::string AddressKey(const ListenAddress& a) {
  return a.is_unix ? "unix:" + a.path : a.host + "\n" + std::to_string(a.port);
}

bool SetListen(Field& f, Config& c) {
  if (!f.Expect(toml::node_type::array)) return false;
  const toml::array& array = *f.node().as_array();
  if (array.empty()) return f.Fail("must list at least one address");
  std::vector<ListenAddress> listen;
  std::set<std::string> seen;
  for (const toml::node& element : array) {
    const toml::source_region& where = element.source();
    if (!element.is_string()) {
      return f.FailAt(where, "expected strings, got " + std::string(TypeName(element.type())));
    }
    ListenAddress address;
    Status status = ParseListenAddress(element.as_string()->get(), &address);
    if (!status.ok()) return f.FailAt(where, status.message());
    if (!seen.insert(AddressKey(address)).second) {
      return f.FailAt(where, "'" + address.text + "' is listed twice");
    }
    listen.push_back(std::move(address));
  }
  c.egd.listen = std::move(listen);
  return true;
}

bool SetBaudRate(Field& f, Config& c) {
  if (!f.Expect(toml::node_type::integer)) return false;
  int64_t baud = f.node().as_integer()->get();
  if (!kBaudRates.count(baud)) {
    std::string rates;
    for (int64_t r : kBaudRates) rates += (rates.empty() ? "" : ", ") + std::to_string(r);
    return f.Fail(std::to_string(baud) + " is not a standard baud rate (" + rates + ")");
  }
  c.serial.baud_rate = static_cast<uint32_t>(baud);
  return true;
}

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
      {"source",
       {{"kind", [](Field& f, Config& c) { return f.Enum(kSourceKinds, &c.source.kind); }},
        {"path", [](Field& f, Config& c) { return f.NonEmptyString(&c.source.path); }},
        {"entropy_per_bit",
         [](Field& f, Config& c) { return f.Fraction(&c.source.entropy_per_bit); }},
        {"autostart", [](Field& f, Config& c) { return f.Bool(&c.source.autostart); }},
        {"read_size", [](Field& f, Config& c) { return f.Int(1, kMiB, &c.source.read_size); }}}},
      {"serial",
       {{"port", [](Field& f, Config& c) { return f.NonEmptyString(&c.serial.port); }},
        {"baud_rate", SetBaudRate}}},
      {"egd",
       {{"listen", SetListen},
        {"max_clients", [](Field& f, Config& c) { return f.Int(1, 1000000, &c.egd.max_clients); }},
        {"command_timeout_ms",
         [](Field& f, Config& c) { return f.Millis(100, 3600000, &c.egd.command_timeout); }},
        {"max_pending_output",
         [](Field& f, Config& c) { return f.Int(512, 64 * kMiB, &c.egd.max_pending_output); }},
        {"unix_mode", [](Field& f, Config& c) { return f.Mode(&c.egd.unix_mode); }},
        {"client_rate_limit",
         [](Field& f, Config& c) { return f.Int(0, kGiB, &c.egd.client_rate_limit); }},
        {"client_burst",
         [](Field& f, Config& c) { return f.Int(255, kGiB, &c.egd.client_burst); }}}},
      {"control",
       {{"socket", [](Field& f, Config& c) { return f.UnixPath(&c.control.socket); }},
        {"mode", [](Field& f, Config& c) { return f.Mode(&c.control.mode); }}}},
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
      {"log",
       {{"level", [](Field& f, Config& c) {
          std::string_view level;
          if (!f.Enum(kLogLevels, &level)) return false;
          c.log.level = std::string(level);
          return true;
        }}}},
  };
  return sections;
}

// Applies a parsed document to a Config; remembers the first error.
class Loader {
 public:
  Loader(const std::string& file, Config* config) : file_(file), config_(*config) {}
  const std::string& error() const { return error_; }

  bool Apply(const toml::table& root) {
    for (const auto& [key, node] : root) {
      const Section* section = FindSection(key.str());
      if (!section) return Fail(key.source(), UnknownName(key.str(), node, ""));
      if (!node.is_table()) {
        return Fail(node.source(), std::string(key.str()) + ": expected a table, got " +
                                       std::string(TypeName(node.type())));
      }
      if (!ApplySection(*section, *node.as_table())) return false;
    }
    return CheckHealth();
  }

 private:
  bool Fail(const toml::source_region& where, std::string_view message) {
    error_ = Located(file_, where, message);
    return false;
  }

  static const Section* FindSection(std::string_view name) {
    for (const Section& s : Sections()) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }

  static std::string UnknownName(std::string_view key, const toml::node& node,
                                 std::string_view section) {
    std::string dotted(section.empty() ? key : section);
    if (!section.empty()) dotted += "." + std::string(key);
    if (node.is_table()) return "unknown table [" + dotted + "]";
    if (section.empty()) return "unknown key '" + std::string(key) + "' outside any table";
    return "unknown key '" + std::string(key) + "' in [" + std::string(section) + "]";
  }

  bool ApplySection(const Section& section, const toml::table& table) {
    for (const auto& [key, node] : table) {
      const Key* known = nullptr;
      for (const Key& k : section.keys) {
        if (k.name == key.str()) known = &k;
      }
      if (!known) return Fail(key.source(), UnknownName(key.str(), node, section.name));
      std::string name = std::string(section.name) + "." + std::string(key.str());
      Field field(file_, name, node);
      if (!known->set(field, config_)) {
        error_ = field.error();
        return false;
      }
      lines_[name] = node.source();
    }
    return true;
  }

  // total_failure_max_identical must be below the chunk size.
  bool CheckHealth() {
    const HealthConfig& h = config_.health;
    if (h.total_failure_max_identical < h.total_failure_chunk) return true;
    auto it = lines_.find("health.total_failure_max_identical");
    if (it == lines_.end()) it = lines_.find("health.total_failure_chunk");
    return Fail(it == lines_.end() ? toml::source_region{} : it->second,
                "health.total_failure_max_identical: " +
                    std::to_string(h.total_failure_max_identical) + " is out of range [1, " +
                    std::to_string(h.total_failure_chunk - 1) +
                    "] (it must be below total_failure_chunk)");
  }

  const std::string& file_;
  Config& config_;
  std::string error_;
  std::map<std::string, toml::source_region> lines_;
};

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

Status ParseTcpAddress(std::string_view text, ListenAddress* out) {
  std::string_view host, port;
  int family = AF_INET;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) {
      return Status::Error("'" + std::string(text) + "': expected [IPv6]:PORT");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    family = AF_INET6;
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::Error("'" + std::string(text) + "': expected HOST:PORT or unix:/PATH");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Status::Error("'" + std::string(text) +
                           "': IPv6 addresses must be in brackets, like [::1]:8888");
    }
  }
  unsigned char binary[16];
  char canonical[INET6_ADDRSTRLEN];
  if (inet_pton(family, std::string(host).c_str(), binary) != 1) {
    return Status::Error("'" + std::string(text) +
                         "': the host must be a numeric IPv4 address or a bracketed IPv6 "
                         "address (host names are not resolved)");
  }
  inet_ntop(family, binary, canonical, sizeof canonical);
  out->host = canonical;
  return ParsePort(text, port, &out->port);
}

}  // namespace

std::string_view SourceKindName(SourceKind kind) {
  for (const auto& n : kSourceKinds) {
    if (n.value == kind) return n.name;
  }
  return "unknown";
}

Status ParseListenAddress(std::string_view text, ListenAddress* out) {
  ListenAddress address;
  address.text = std::string(text);
  constexpr std::string_view kUnix = "unix:";
  if (text.substr(0, kUnix.size()) == kUnix) {
    address.is_unix = true;
    address.path = std::string(text.substr(kUnix.size()));
    std::string problem = UnixPathProblem(address.path);
    if (!problem.empty()) return Status::Error("'" + std::string(text) + "': " + problem);
  } else {
    constexpr std::string_view kProxy = "proxy:";
    std::string_view tcp = text;
    if (text.substr(0, kProxy.size()) == kProxy) {
      address.proxy = true;
      tcp = text.substr(kProxy.size());
    }
    if (Status s = ParseTcpAddress(tcp, &address); !s.ok()) return s;
  }
  *out = std::move(address);
  return Status::Ok();
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
  ParseListenAddress("127.0.0.1:8888", &address);
  egd.listen.push_back(std::move(address));
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
    Loader loader(name, &config);
    if (!loader.Apply(root)) return Status::Error(loader.error());
    *out = std::move(config);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Error(name + ": " + e.what());
  }
}

Status LoadConfig(const std::string& path, Config* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  std::string text;
  char buffer[8192];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
  bool failed = std::ferror(f);
  int error = errno;
  std::fclose(f);
  if (failed) return Status::Error(path + ": cannot read: " + std::strerror(error));
  return ParseConfig(text, path, out);
}

}  // namespace egdd
