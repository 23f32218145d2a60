// Socket addresses as our configuration files write them:
//   "IPv4:PORT"           e.g. 127.0.0.1:8888
//   "[IPv6]:PORT"         e.g. [::1]:8888
//   "unix:/ABSOLUTE/PATH" (< 108 bytes, where the caller allows unix sockets)
// Hosts must be numeric: a daemon should not depend on DNS at startup. Pure
// functions, no sockets; errors quote the text: "'127.0.0.1': expected ...".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace egd {

constexpr size_t kSunPathMax = 108;  // sizeof(sockaddr_un::sun_path), NUL included

struct NetAddress {
  bool is_unix = false;
  std::string host;   // TCP: canonical numeric address ("127.0.0.1", "::1")
  uint16_t port = 0;  // TCP
  std::string path;   // unix
  std::string text;   // as written, for messages

  bool operator==(const NetAddress&) const = default;
};

// Empty if `path` can name a unix socket, else what is wrong with it.
std::string UnixPathProblem(std::string_view path);

// Parses `text`; "unix:" addresses only when allow_unix. On error *out is
// left unchanged.
Status ParseNetAddress(std::string_view text, bool allow_unix, NetAddress* out);

}  // namespace egd
