// SPDX-License-Identifier: Apache-2.0
// Listen addresses of our daemons (egdd's [egd] listen, trng-httpd's [http]
// listen and public_listen):
//   "HOST:PORT", "[IPv6]:PORT", "unix:/PATH"   plain listeners
//   "proxy:unix:/PATH"   every connection starts with a PROXY v1 header naming
//                        the real client; only the TLS front end can reach it
//                        (the socket's directory is closed to other users:
//                        CheckProxyDirectory)
//   "proxy:HOST:PORT"    the same over TCP: headers are taken only from the
//                        trusted peers the daemon's configuration lists
// Pure: no sockets.
#pragma once

#include <string_view>
#include <vector>

#include "common/net_address.h"
#include "common/status.h"

namespace egd {

struct ListenAddress : NetAddress {
  bool proxy = false;

  bool operator==(const ListenAddress& o) const { return text == o.text; }
};

// Parses one listen address; on error *out is unchanged and the message names the problem.
Status ParseListenAddress(std::string_view text, ListenAddress* out);

// Whether a and b name the same socket (TCP host and port, or unix path), with or
// without "proxy:": one socket cannot be two listeners.
bool SameSocket(const ListenAddress& a, const ListenAddress& b);

// Parses `text` and appends it to *list; an address whose socket is already in
// *list is refused ("'X' is listed twice").
Status AppendListenAddress(std::string_view text, std::vector<ListenAddress>* list);

}  // namespace egd
