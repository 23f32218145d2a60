// SPDX-License-Identifier: Apache-2.0
#include "common/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace egd {
namespace {

struct Ip {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
};

std::optional<Ip> ParseIp(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (std::strlen(buf) != text.size()) return std::nullopt;  // an embedded NUL
  Ip ip;
  if (::inet_pton(AF_INET, buf, ip.bytes.data()) == 1) return ip;
  if (::inet_pton(AF_INET6, buf, ip.bytes.data()) != 1) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(ip.bytes.data(), kMapped, 12) == 0) {
    std::memmove(ip.bytes.data(), ip.bytes.data() + 12, 4);
    std::memset(ip.bytes.data() + 4, 0, 12);
    return ip;
  }
  ip.v6 = true;
  return ip;
}

std::string Text(const Ip& ip) {
  char buf[INET6_ADDRSTRLEN] = "";
  ::inet_ntop(ip.v6 ? AF_INET6 : AF_INET, ip.bytes.data(), buf, sizeof buf);
  return buf;
}

// Clears every bit after the first `length`.
void Mask(std::array<uint8_t, 16>& bytes, int length) {
  for (int i = 0; i < 16; ++i) {
    int keep = std::min(8, std::max(0, length - 8 * i));
    bytes[i] &= static_cast<uint8_t>(keep == 8 ? 0xff : (0xff << (8 - keep)) & 0xff);
  }
}

}  // namespace

std::optional<std::string> CanonicalAddress(std::string_view text) {
  std::optional<Ip> ip = ParseIp(text);
  if (!ip) return std::nullopt;
  return Text(*ip);
}

std::string ClientKey(std::string_view address, const ClientKeyPolicy& policy) {
  std::optional<Ip> ip = ParseIp(address);
  if (!ip) return std::string(address);
  int length = ip->v6 ? policy.ipv6_prefix : policy.ipv4_prefix;
  if (length >= (ip->v6 ? 128 : 32)) return Text(*ip);
  Mask(ip->bytes, length);
  return Text(*ip) + "/" + std::to_string(length);
}

Status ParseIpPrefix(std::string_view text, IpPrefix* out) {
  size_t slash = text.find('/');
  std::optional<Ip> ip = ParseIp(text.substr(0, slash));
  if (!ip) return Status::Error("'" + std::string(text) + "' is not an IP address or prefix");
  int max = ip->v6 ? 128 : 32, length = max;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    length = -1;
    if (!digits.empty() && digits.size() <= 3 &&
        digits.find_first_not_of("0123456789") == std::string_view::npos) {
      length = std::stoi(std::string(digits));
    }
    if (length < 0 || length > max) {
      return Status::Error("'" + std::string(text) + "': prefix length must be 0.." +
                           std::to_string(max));
    }
  }
  std::array<uint8_t, 16> masked = ip->bytes;
  Mask(masked, length);
  if (masked != ip->bytes) {
    return Status::Error("'" + std::string(text) + "': host bits set after the prefix");
  }
  out->v6 = ip->v6;
  out->bytes = ip->bytes;
  out->length = length;
  out->text = std::string(text);
  return Status::Ok();
}

bool IpPrefix::Contains(std::string_view address) const {
  std::optional<Ip> ip = ParseIp(address);
  if (!ip || ip->v6 != v6) return false;
  Mask(ip->bytes, length);
  return ip->bytes == bytes;
}

bool IpPrefix::CoversLoopback() const {
  return IsLoopbackAddress(text.substr(0, text.find('/'))) || Contains("127.0.0.1") ||
         Contains("::1");
}

bool IsLoopbackAddress(std::string_view address) {
  std::optional<Ip> ip = ParseIp(address);
  if (!ip) return false;
  if (!ip->v6) return ip->bytes[0] == 127;
  std::array<uint8_t, 16> one{};
  one[15] = 1;
  return ip->bytes == one;
}

}  // namespace egd
