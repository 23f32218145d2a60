// Loading egd-feed's TOML configuration: toml++ parses the document; each known
// key has a small setter that checks type and range and writes one Config field.
// The first error stops loading.
#include "feed/config.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <toml++/toml.h>

#include "common/log.h"

namespace feed {
namespace {

using egd::Status;

constexpr size_t kSunPathMax = 108;  // sizeof(sockaddr_un::sun_path), NUL included

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

std::string Located(const std::string& file, const toml::source_region& where,
                    std::string_view message) {
  return file + ":" + std::to_string(where.begin.line) + ": " + std::string(message);
}

// One key being applied; errors read "file:line: section.key: ...".
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
  bool Millis(int64_t lo, int64_t hi, std::chrono::milliseconds* out) {
    int64_t ms;
    if (!Int(lo, hi, &ms)) return false;
    *out = std::chrono::milliseconds(ms);
    return true;
  }
  bool Number(double lo, double hi, double* out) {
    if (!node_.is_integer() && !node_.is_floating_point()) {
      return Fail("expected a number, got " + std::string(TypeName(node_.type())));
    }
    double v = node_.value<double>().value_or(0);
    if (!(v >= lo && v <= hi)) {  // also nan
      std::ostringstream text;
      text << v << " is out of range [" << lo << ", " << hi << "]";
      return Fail(text.str());
    }
    *out = v;
    return true;
  }
  bool String(std::string* out) {
    if (!Expect(toml::node_type::string)) return false;
    *out = node_.as_string()->get();
    return true;
  }
  bool Endpoint(egd::EgdEndpoint* out) {
    std::string s;
    if (!String(&s)) return false;
    Status st = ParseEndpoint(s, out);
    return st.ok() || Fail(st.message());
  }
  bool LogLevel(std::string* out) {
    std::string s;
    if (!String(&s)) return false;
    if (!egd::ParseLogLevel(s)) return Fail("'" + s + "' is not one of error, warning, notice, info, debug");
    *out = s;
    return true;
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
      {"server",
       {{"connect", [](Field& f, Config& c) { return f.Endpoint(&c.server); }},
        {"read_timeout_ms",
         [](Field& f, Config& c) { return f.Millis(kMinReadTimeoutMs, kDayMs, &c.read_timeout); }}}},
      {"feed",
       {{"device",
         [](Field& f, Config& c) {
           return f.String(&c.device) && (!c.device.empty() || f.Fail("must not be empty"));
         }},
        {"credit_bits_per_byte",
         [](Field& f, Config& c) { return f.Number(0, kMaxBitsPerByte, &c.credit_bits_per_byte); }},
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
      {"daemon", {{"user", [](Field& f, Config& c) { return f.String(&c.user); }}}},
      {"log", {{"level", [](Field& f, Config& c) { return f.LogLevel(&c.log_level); }}}},
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
      const Section* section = nullptr;
      for (const Section& s : Sections()) {
        if (s.name == key.str()) section = &s;
      }
      if (!section) {
        return Fail(key.source(), node.is_table() ? "unknown table [" + std::string(key.str()) + "]"
                                                  : "unknown key '" + std::string(key.str()) +
                                                        "' outside any table");
      }
      if (!node.is_table()) {
        return Fail(node.source(), std::string(key.str()) + ": expected a table, got " +
                                       std::string(TypeName(node.type())));
      }
      if (!ApplySection(*section, *node.as_table())) return false;
    }
    return CheckBackoff();
  }

 private:
  bool Fail(const toml::source_region& where, std::string_view message) {
    error_ = Located(file_, where, message);
    return false;
  }

  bool ApplySection(const Section& section, const toml::table& table) {
    for (const auto& [key, node] : table) {
      const Key* known = nullptr;
      for (const Key& k : section.keys) {
        if (k.name == key.str()) known = &k;
      }
      if (!known) {
        return Fail(key.source(), "unknown key '" + std::string(key.str()) + "' in [" +
                                      std::string(section.name) + "]");
      }
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

  bool CheckBackoff() {
    const BackoffConfig& b = config_.schedule.backoff;
    if (b.initial <= b.max) return true;
    auto it = lines_.find("reconnect.max_delay_ms");
    if (it == lines_.end()) it = lines_.find("reconnect.initial_delay_ms");
    return Fail(it->second, "reconnect.max_delay_ms: " + std::to_string(b.max.count()) +
                                " is below initial_delay_ms (" +
                                std::to_string(b.initial.count()) + ")");
  }

  const std::string& file_;
  Config& config_;
  std::string error_;
  std::map<std::string, toml::source_region> lines_;
};

Status ParseTcp(std::string_view text, egd::EgdEndpoint* out) {
  std::string_view host, port;
  int family = AF_INET;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) return Status::Error("expected [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    family = AF_INET6;
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Status::Error("expected HOST:PORT or unix:/PATH");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned char binary[16];
  char canonical[INET6_ADDRSTRLEN];
  if (inet_pton(family, std::string(host).c_str(), binary) != 1) {
    return Status::Error("the host must be a numeric IPv4 address or a bracketed IPv6 address "
                         "(host names are not resolved)");
  }
  inet_ntop(family, binary, canonical, sizeof canonical);
  bool digits = !port.empty() && port.size() <= 5 &&
                port.find_first_not_of("0123456789") == std::string_view::npos;
  long value = digits ? std::stol(std::string(port)) : 0;
  if (value < 1 || value > 65535) return Status::Error("the port must be a number in 1..65535");
  out->host = canonical;
  out->port = static_cast<uint16_t>(value);
  return Status::Ok();
}

}  // namespace

Status ParseEndpoint(std::string_view text, egd::EgdEndpoint* out) {
  egd::EgdEndpoint e;
  e.text = std::string(text);
  constexpr std::string_view kUnix = "unix:";
  Status st = Status::Ok();
  if (text.substr(0, kUnix.size()) == kUnix) {
    e.is_unix = true;
    e.path = std::string(text.substr(kUnix.size()));
    if (e.path.empty() || e.path[0] != '/') {
      st = Status::Error("the socket path must be absolute");
    } else if (e.path.size() >= kSunPathMax) {
      st = Status::Error("unix socket paths must be shorter than 108 bytes");
    }
  } else {
    st = ParseTcp(text, &e);
  }
  if (!st.ok()) return Status::Error("'" + std::string(text) + "': " + st.message());
  *out = std::move(e);
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
    Loader loader(name, &config);
    if (!loader.Apply(root)) return Status::Error(loader.error());
    *out = std::move(config);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Error(name + ": " + e.what());
  }
}

Status LoadConfig(const std::string& path, Config* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::Error(path + ": cannot read: " + std::strerror(errno));
  return ParseConfig(text.str(), path, out);
}

}  // namespace feed
