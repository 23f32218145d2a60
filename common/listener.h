// SPDX-License-Identifier: Apache-2.0
// Opening listeners and naming peers: what egdd's EGD server and trng-httpd's
// HTTP server share (one io_context thread each; these calls do not block).
//
// OpenListener binds one ListenAddress (common/listen_address.h) on a generic
// stream acceptor:
// - TCP: SO_REUSEADDR, bind, listen.
// - unix: a stale socket left by an earlier run is removed (any other kind of
//   file is an error, never touched); the socket gets `unix_mode`.
// - proxy:unix: first CheckProxyDirectory; the socket gets mode 0660.
// Errors read "cannot listen on ADDRESS: why"; nothing stays open.
//
// PeerOf names the peer of an accepted connection for accounting: the
// canonical IP address (common/client_address.h) and port for TCP, "uid:N" (the
// connecting process's user, SO_PEERCRED) for unix sockets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>

#include "common/client_address.h"
#include "common/listen_address.h"
#include "common/status.h"

namespace egd {

using StreamAcceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;

Status OpenListener(const ListenAddress& address, unsigned unix_mode, StreamAcceptor* acceptor);

// The directory of a proxy:unix socket must keep every other local user out:
// it must be a real directory owned by root or by us, writable by its owner
// only, and closed to "others" (no o+x), so only the owner and its group (the
// TLS front end's) can connect. Otherwise anyone could claim any client
// address in a PROXY header.
Status CheckProxyDirectory(const std::string& socket_path);

struct Peer {
  std::string address;  // canonical IP, "uid:N", or "?" if unknown
  uint16_t port = 0;    // TCP only
  std::string name;     // for logs: "192.0.2.7:5000", "[2001:db8::1]:5000", "unix:/path (uid 0)"
};
Peer PeerOf(int fd, const ListenAddress& via);

// Whether a TCP proxy listener takes a PROXY header from `peer_address`.
bool TrustedProxyPeer(const std::vector<IpPrefix>& trusted, const std::string& peer_address);

}  // namespace egd
