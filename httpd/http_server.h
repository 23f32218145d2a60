// HttpServer: the Boost.Beast HTTP/1.1 listener and its sessions. A session
// owns its TCP stream and buffers, reads one request at a time (keep-alive;
// header and body size limits; a keep-alive timeout for the next request's
// headers, a request timeout for its body, a write timeout for the answer),
// hands it to App and writes App's Response whenever it comes. A failing
// session closes itself, never the daemon. Single-threaded on one io_context.
// The App must outlive the server (sessions may wait inside it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/status.h"
#include "httpd/app.h"
#include "httpd/config.h"

namespace httpd {

class Session;

class HttpServer {
 public:
  using Registry = std::map<uint64_t, std::weak_ptr<Session>>;

  HttpServer(boost::asio::io_context& io, const HttpConfig& config, App& app);
  egd::Status Listen();
  void Stop();  // closes the listener and every session
  uint16_t port() const { return port_; }

 private:
  void Accept();
  void OnAccept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  const HttpConfig config_;
  App& app_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  uint64_t next_id_ = 1;
  std::shared_ptr<Registry> sessions_;  // open sessions, for Stop()
};

}  // namespace httpd
