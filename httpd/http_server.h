// HttpServer: trng-httpd's listeners. [http] listen gives OPERATOR listeners
// (the manual's whole API), [http] public_listen PUBLIC ones (control answers
// 403: httpd/access.h). Each address is HOST:PORT, unix:/PATH (mode 0660),
// proxy:unix:/PATH (its directory must keep other users out:
// egd::CheckProxyDirectory) or proxy:HOST:PORT, opened by egd::OpenListener and
// accepted on by an egd::AcceptLoop (which pauses when accept fails, e.g. out
// of descriptors). Accepted connections become Sessions (httpd/http_session.h);
// closed at once (and counted in /metrics) are connections beyond max_clients
// and, on a TCP proxy listener, connections from peers not in
// proxy_trusted_peers.
//
// Settings are read from App::config() as each connection comes (max_clients,
// proxy_trusted_peers) and by the sessions as each request comes (limits,
// timeouts), so a reload applies to them at once. The listen addresses are
// restart-only keys (httpd/config.cc): Listen() opens what the configuration
// says at start. Single-threaded on one io_context. The App must outlive the
// server (sessions may wait inside App).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/listener.h"
#include "common/status.h"
#include "httpd/app.h"
#include "httpd/config.h"
#include "httpd/http_session.h"

namespace httpd {

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, App& app);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Opens every listener of app.config(); on error none stays open and the
  // message names the address.
  egd::Status Listen();
  void Stop();  // closes the listeners (removing their unix sockets) and every session

 private:
  struct Listener;
  egd::Status Open(const ListenAddress& address, Role role);
  void OnAccept(const Listener& l, Session::Socket socket);
  const char* Refusal(const Listener& l, const egd::Peer& peer) const;

  boost::asio::io_context& io_;
  App& app_;
  // Each owns its AcceptLoop, whose handler locks a weak_ptr to it first: the
  // server holds the only reference, so a live listener means a live server.
  std::vector<std::shared_ptr<Listener>> listeners_;
  uint64_t next_id_ = 1;
  std::shared_ptr<SessionRegistry> sessions_;  // open sessions, for Stop()
};

}  // namespace httpd
