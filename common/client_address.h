// SPDX-License-Identifier: Apache-2.0
// Who a client is, for accounting and limits (egdd, trng-httpd): one spelling
// per address, and one key per network a client could pick addresses from.
//
// - CanonicalAddress: the one text form of an IP address: inet_pton then
//   inet_ntop, with IPv4-mapped IPv6 (::ffff:192.0.2.7) written as IPv4. Six
//   spellings of one IPv6 address give one string.
// - ClientKey: what limits count under. An IPv6 client can use any of the 2^64
//   addresses of its /64, so IPv6 addresses are grouped by prefix (default
//   /64, written "2001:db8:1:2::/64"); IPv4 by /32 by default (the address
//   itself). Non-IP identities ("uid:1000" for a local unix peer, "unix")
//   are their own key.
// - IpPrefix: "192.0.2.7", "10.0.0.0/8", "2001:db8::/32": trusted peers of a
//   PROXY listener.
// Pure functions, no sockets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace egd {

std::optional<std::string> CanonicalAddress(std::string_view text);

struct ClientKeyPolicy {
  int ipv4_prefix = 32;  // [8, 32]
  int ipv6_prefix = 64;  // [16, 128]

  bool operator==(const ClientKeyPolicy&) const = default;
};

// `address` as CanonicalAddress gives it, or a non-IP identity.
std::string ClientKey(std::string_view address, const ClientKeyPolicy& policy);

struct IpPrefix {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // network address, host bits zero
  int length = 0;                   // prefix length in bits
  std::string text;                 // as written

  bool Contains(std::string_view address) const;  // false for non-IP identities
  // True if the prefix is, or holds, a loopback address (127.0.0.1 or ::1):
  // trusting it as a proxy lets any local process claim any client address.
  bool CoversLoopback() const;
  bool operator==(const IpPrefix& o) const { return text == o.text; }
};

// "ADDRESS" or "ADDRESS/LENGTH"; host bits must be zero.
Status ParseIpPrefix(std::string_view text, IpPrefix* out);

// True for 127.0.0.0/8 and ::1 (any other process on this machine can connect from there).
bool IsLoopbackAddress(std::string_view address);

}  // namespace egd
