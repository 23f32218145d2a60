// SPDX-License-Identifier: Apache-2.0
// Host names as HTTP clients write them (the Host header, an Origin's
// authority) and as [http] allowed_hosts lists them. Pure; no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace httpd {

// Lowercase name, IPv4 and IPv6 literals canonical (IPv6 bracketed: "[::1]"),
// and the port if one was given.
struct HostPort {
  std::string name;
  std::optional<uint16_t> port;
};

// nullopt unless `text` is "name[:port]" (letters, digits, '.', '-', '_'),
// "a.b.c.d[:port]" or "[IPv6][:port]"; an empty port (RFC 3986) is allowed.
std::optional<HostPort> ParseHost(std::string_view text);

}  // namespace httpd
