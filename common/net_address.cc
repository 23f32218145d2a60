#include "common/net_address.h"

#include <arpa/inet.h>

namespace egd {
namespace {

// "'text'" followed by the rest. Appended, not "'" + std::string(text) + ...: GCC 12
// at -O3 reports a false -Wrestrict inside that inlined operator+ (GCC PRs 105329, 105651).
template <typename... Rest>
std::string Quoted(std::string_view text, const Rest&... rest) {
  std::string out;
  out.append("'").append(text).append("'");
  (out.append(rest), ...);
  return out;
}

Status Bad(std::string_view text, std::string_view why) {
  return Status::Error(Quoted(text, ": ", why));
}

Status ParsePort(std::string_view text, std::string_view port, uint16_t* out) {
  bool digits = !port.empty() && port.size() <= 5 &&
                port.find_first_not_of("0123456789") == std::string_view::npos;
  long value = digits ? std::stol(std::string(port)) : 0;
  if (value < 1 || value > 65535) return Bad(text, "the port must be a number in 1..65535");
  *out = static_cast<uint16_t>(value);
  return Status::Ok();
}

Status ParseTcp(std::string_view text, bool allow_unix, NetAddress* out) {
  std::string_view host, port;
  int family = AF_INET;
  if (text.starts_with("[")) {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) return Bad(text, "expected [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    family = AF_INET6;
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Bad(text, allow_unix ? "expected HOST:PORT or unix:/PATH" : "expected HOST:PORT");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Bad(text, "IPv6 addresses must be in brackets, like [::1]:8888");
    }
  }
  unsigned char binary[16];
  char canonical[INET6_ADDRSTRLEN];
  if (inet_pton(family, std::string(host).c_str(), binary) != 1) {
    return Bad(text, "the host must be a numeric IPv4 address or a bracketed IPv6 address "
                     "(host names are not resolved)");
  }
  inet_ntop(family, binary, canonical, sizeof canonical);
  out->host = canonical;
  return ParsePort(text, port, &out->port);
}

}  // namespace

std::string UnixPathProblem(std::string_view path) {
  if (path.empty() || path[0] != '/') return Quoted(path, " is not an absolute path");
  if (path.size() >= kSunPathMax) {
    return Quoted(path, " is ", std::to_string(path.size()),
                  " bytes long; unix socket paths must be shorter than 108 bytes");
  }
  if (path.find('\0') != std::string_view::npos) return "socket path contains a NUL byte";
  return "";
}

Status ParseNetAddress(std::string_view text, bool allow_unix, NetAddress* out) {
  NetAddress a;
  a.text = std::string(text);
  constexpr std::string_view kUnix = "unix:";
  if (text.starts_with(kUnix)) {
    if (!allow_unix) return Bad(text, "expected HOST:PORT (no unix sockets here)");
    a.is_unix = true;
    a.path = std::string(text.substr(kUnix.size()));
    if (std::string problem = UnixPathProblem(a.path); !problem.empty()) return Bad(text, problem);
  } else if (Status st = ParseTcp(text, allow_unix, &a); !st.ok()) {
    return st;
  }
  *out = std::move(a);
  return Status::Ok();
}

}  // namespace egd
