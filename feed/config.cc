// Loading egd-feed's TOML configuration: the table of known keys, each with a
// small setter that checks type and range and writes one Config field, run by
// the shared loader in common/toml_config.h. The first error stops loading.
#include "feed/config.h"

#include <arpa/inet.h>

#include <cerrno>
#include <vector>

#include "common/log.h"
#include "common/toml_config.h"

namespace feed {
namespace {

using egd::Status;
using egd::toml_config::Field;
namespace toml_config = egd::toml_config;

constexpr size_t kSunPathMax = 108;  // sizeof(sockaddr_un::sun_path), NUL included

bool SetEndpoint(Field& f, egd::EgdEndpoint* out) {
  return f.Parsed(out, [](const std::string& text, egd::EgdEndpoint* endpoint) {
    return ParseEndpoint(text, endpoint);
  });
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

// The reconnect delay may not shrink: initial_delay_ms <= max_delay_ms.
std::string CheckBackoff(const Config& config, const toml_config::KeyLines& lines, uint32_t* line) {
  const BackoffConfig& b = config.schedule.backoff;
  if (b.initial <= b.max) return "";
  *line = toml_config::FirstLine(lines, {"reconnect.max_delay_ms", "reconnect.initial_delay_ms"});
  return "reconnect.max_delay_ms: " + std::to_string(b.max.count()) +
         " is below initial_delay_ms (" + std::to_string(b.initial.count()) + ")";
}

const toml_config::Schema<Config>& TheSchema() {
  static const toml_config::Schema<Config> schema(
      {.detailed_dates = false, .nested_table_names = false},
      {
      {"server",
       {{"connect", [](Field& f, Config& c) { return SetEndpoint(f, &c.server); }},
        {"read_timeout_ms",
         [](Field& f, Config& c) { return f.Millis(kMinReadTimeoutMs, kDayMs, &c.read_timeout); }}}},
      {"feed",
       {{"device",
         [](Field& f, Config& c) { return f.NonEmptyString(&c.device); }},
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
      {"log", {{"level", [](Field& f, Config& c) { return SetLogLevel(f, &c.log_level); }}}},
      },
      CheckBackoff);
  return schema;
}

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
  return TheSchema().Parse(text, name, out);
}

// Shared with egdd: a missing, unreadable or directory path is an error that
// names it (an ifstream would read a directory as an empty, valid file).
Status LoadConfig(const std::string& path, Config* out) { return TheSchema().Load(path, out); }

}  // namespace feed
