#include "common/proxy_protocol.h"

#include <arpa/inet.h>

#include <charconv>
#include <sstream>
#include <vector>

namespace egd {
namespace {

constexpr std::string_view kPrefix = "PROXY ";

std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= line.size()) {
    size_t space = line.find(' ', pos);
    if (space == std::string::npos) space = line.size();
    out.push_back(line.substr(pos, space - pos));
    pos = space + 1;
  }
  return out;
}

bool ValidAddress(const std::string& family, const std::string& text) {
  unsigned char buf[16];
  return text.find('\0') == std::string::npos &&
         inet_pton(family == "TCP4" ? AF_INET : AF_INET6, text.c_str(), buf) == 1;
}

bool ParsePort(const std::string& text, uint16_t* port) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value > 65535) {
    return false;
  }
  *port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace

ProxyHeaderParser::Result ProxyHeaderParser::Bad(std::string why) {
  error_ = std::move(why);
  return Result::kBad;
}

ProxyHeaderParser::Result ProxyHeaderParser::Parse(std::span<const uint8_t> in,
                                                   size_t* consumed, ProxyHeader* out) {
  *consumed = 0;
  for (uint8_t b : in) {
    ++*consumed;
    line_.push_back(static_cast<char>(b));
    size_t n = line_.size();
    if (n <= kPrefix.size() && line_ != kPrefix.substr(0, n)) {
      return Bad("no PROXY protocol header");
    }
    if (n >= 2 && line_[n - 2] == '\r' && b == '\n') return Finish(out);
    if (n >= kMaxHeader) return Bad("PROXY header longer than 107 bytes");
  }
  return Result::kNeedMore;
}

ProxyHeaderParser::Result ProxyHeaderParser::Finish(ProxyHeader* out) {
  std::string body = line_.substr(kPrefix.size(), line_.size() - kPrefix.size() - 2);
  auto f = Fields(body);
  if (f[0] == "UNKNOWN") {
    *out = ProxyHeader{};
    return Result::kGood;
  }
  if (f[0] != "TCP4" && f[0] != "TCP6") return Bad("unknown PROXY family '" + f[0] + "'");
  if (f.size() != 5) return Bad("PROXY header needs 5 fields");
  uint16_t sport = 0, dport = 0;
  if (!ValidAddress(f[0], f[1]) || !ValidAddress(f[0], f[2])) {
    return Bad("bad address in PROXY header");
  }
  if (!ParsePort(f[3], &sport) || !ParsePort(f[4], &dport)) {
    return Bad("bad port in PROXY header");
  }
  *out = ProxyHeader{true, f[1], sport};
  return Result::kGood;
}

}  // namespace egd
