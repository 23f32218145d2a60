// HttpServer: trng-httpd's listeners. [http] listen gives OPERATOR listeners
// (the manual's whole API), [http] public_listen PUBLIC ones (control answers
// 403: httpd/access.h). Each address is HOST:PORT, unix:/PATH (mode 0660),
// proxy:unix:/PATH (its directory must keep other users out:
// egd::CheckProxyDirectory) or proxy:HOST:PORT, opened by egd::OpenListener.
// Accepted connections become Sessions (httpd/http_session.h); closed at once
// (and counted in /metrics) are connections beyond max_clients and, on a TCP
// proxy listener, connections from peers not in proxy_trusted_peers.
// Single-threaded on one io_context. The App and the config must outlive the
// server (sessions may wait inside App).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/status.h"
#include "httpd/app.h"
#include "httpd/config.h"
#include "httpd/http_session.h"

namespace httpd {

class HttpServer {
 public:
  // `config` is the live [http] table: max_clients, limits and timeouts are
  // read from it as they are when a connection comes.
  HttpServer(boost::asio::io_context& io, const HttpConfig& config, App& app);
  ~HttpServer();

  // Opens every listener; on error none stays open and the message names the address.
  egd::Status Listen();
  void Stop();  // closes the listeners (removing their unix sockets) and every session

 private:
  struct Listener;
  egd::Status Open(const ListenAddress& address, Role role);
  void Accept(const std::shared_ptr<Listener>& l);
  void OnAccept(const std::shared_ptr<Listener>& l, const boost::system::error_code& ec,
                Session::Socket socket);
  const char* Refusal(const Listener& l, const egd::Peer& peer) const;

  boost::asio::io_context& io_;
  const HttpConfig& config_;
  App& app_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  uint64_t next_id_ = 1;
  std::shared_ptr<SessionRegistry> sessions_;  // open sessions, for Stop()
};

}  // namespace httpd
