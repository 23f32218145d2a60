// SPDX-License-Identifier: Apache-2.0
#include "httpd/host.h"

#include <algorithm>
#include <cctype>

#include "common/client_address.h"

namespace httpd {
namespace {

// "" or ":digits".
bool ParsePort(std::string_view s, std::optional<uint16_t>* port) {
  if (s.empty()) return true;
  if (s[0] != ':') return false;
  s.remove_prefix(1);
  if (s.empty()) return true;
  if (s.size() > 5 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
  unsigned value = 0;
  for (char c : s) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

bool RegName(std::string_view s) {
  return !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") ==
                           std::string_view::npos;
}

}  // namespace

std::optional<HostPort> ParseHost(std::string_view text) {
  HostPort out;
  std::string_view rest;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view inside = text.substr(1, close - 1);
    std::optional<std::string> canonical = egd::CanonicalAddress(inside);
    if (!canonical || canonical->find(':') == std::string::npos) return std::nullopt;  // IPv6 only
    out.name = "[" + *canonical + "]";
    rest = text.substr(close + 1);
  } else {
    size_t colon = text.find(':');
    std::string_view name = text.substr(0, colon);
    if (!RegName(name)) return std::nullopt;
    out.name.assign(name);
    std::transform(out.name.begin(), out.name.end(), out.name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::optional<std::string> ip = egd::CanonicalAddress(name)) out.name = *ip;
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
  }
  if (!ParsePort(rest, &out.port)) return std::nullopt;
  return out;
}

}  // namespace httpd
