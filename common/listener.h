// SPDX-License-Identifier: Apache-2.0
// Opening listeners, accepting on them and naming peers: what egdd's EGD server
// and trng-httpd's HTTP server share (one io_context thread each; these calls
// do not block).
//
// OpenListener binds one ListenAddress (common/listen_address.h) on a generic
// stream acceptor:
// - TCP: SO_REUSEADDR, bind, listen.
// - unix: a stale socket left by an earlier run is removed (any other kind of
//   file is an error, never touched); the socket gets `unix_mode`.
// - proxy:unix: first CheckProxyDirectory; the socket gets mode 0660.
// Errors read "cannot listen on ADDRESS: why"; nothing stays open.
//
// AcceptLoop accepts on one opened listener until stopped, handing each
// connection to its handler. When accept(2) fails (EMFILE or ENFILE: out of
// descriptors; ENOBUFS, ENOMEM) it pauses `retry` (200 ms) instead of trying
// again at once (the connection stays in the kernel's backlog, so an immediate
// retry fails the same way and spins), connected clients are served meanwhile,
// and it logs "accept on ADDRESS: why (N in a row; ...)" for the first failure
// and then at most once per `warn_every` (a minute), and "accept on ADDRESS
// works again after N failures" when one succeeds.
//
// PeerOf names the peer of an accepted connection for accounting: the
// canonical IP address (common/client_address.h) and port for TCP, "uid:N" (the
// connecting process's user, SO_PEERCRED) for unix sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/client_address.h"
#include "common/listen_address.h"
#include "common/status.h"

namespace egd {

using StreamAcceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;

Status OpenListener(const ListenAddress& address, unsigned unix_mode, StreamAcceptor* acceptor);

// What AcceptLoop does after a failed accept (tests shorten it).
struct AcceptBackoff {
  std::chrono::milliseconds retry{200};  // pause after a failed accept
  std::chrono::seconds warn_every{60};   // at most one warning per this while failing
};

// Accepting on one listener, with a pause after each failed accept (see the top
// of this file). Lifetime: made by Create (a shared_ptr), it owns the acceptor
// and its retry timer; its own completion handlers hold its lifetime token
// (shared_from_this). Its owner calls Stop() (it keeps accepting until then)
// and may drop its reference at any time after. The handler is never called
// after Stop(), so it may refer to whatever owns the loop and stops it before
// going away (or lock a weak_ptr first). It may call Stop() itself. A handler
// must not own the loop (a cycle). Single-threaded: every call on the
// io_context's thread.
//
//   auto loop = AcceptLoop::Create(std::move(acceptor), address.text,
//                                  [weak](AcceptLoop::Socket s) { ... });
//   loop->Start();  ...  loop->Stop();
class AcceptLoop : public std::enable_shared_from_this<AcceptLoop> {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;
  using Handler = std::function<void(Socket socket)>;
  using Backoff = AcceptBackoff;

  // `acceptor`: open and listening (OpenListener); `name` says which in logs
  // (the listen address as configured).
  static std::shared_ptr<AcceptLoop> Create(StreamAcceptor acceptor, std::string name,
                                            Handler handler, Backoff backoff = {});
  AcceptLoop(const AcceptLoop&) = delete;
  AcceptLoop& operator=(const AcceptLoop&) = delete;

  void Start();  // starts accepting (once)
  // Closes the acceptor (the socket file of a unix listener stays: its owner
  // removes it) and cancels a pending retry; no handler runs afterwards.
  void Stop();

  const std::string& name() const { return name_; }
  bool stopped() const { return stopped_; }
  uint64_t attempts() const { return attempts_; }  // accepts started, ever
  uint64_t failures() const { return failures_; }  // failed accepts in a row (0: accepting)

 private:
  AcceptLoop(StreamAcceptor acceptor, std::string name, Handler handler, Backoff backoff);
  void Accept();
  void OnAccept(const boost::system::error_code& ec, Socket socket);
  void Failed(const boost::system::error_code& ec);

  StreamAcceptor acceptor_;
  boost::asio::steady_timer retry_;
  const std::string name_;
  Handler handler_;
  const Backoff backoff_;
  bool started_ = false;
  bool stopped_ = false;
  uint64_t attempts_ = 0;
  uint64_t failures_ = 0;
  std::chrono::steady_clock::time_point warned_{};
};

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
