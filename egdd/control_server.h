// ControlServer: egdd's local control socket (unix stream). A client sends one
// command line ("status", "stats", "init", "shutdown", "restart"; at most 256
// bytes) and gets one line of JSON back, then the connection closes. Access is
// controlled by the socket's file mode ([control] mode, default 0660).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "common/status.h"

namespace egdd {

class ControlServer {
 public:
  // handler maps a command (without newline) to a JSON response line.
  using Handler = std::function<std::string(const std::string& command)>;

  ControlServer(boost::asio::io_context& io, Handler handler);
  ~ControlServer();

  egd::Status Listen(const std::string& path, unsigned mode);
  void Stop();
  const std::string& path() const { return path_; }

 private:
  void Accept();

  boost::asio::io_context& io_;
  Handler handler_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
};

}  // namespace egdd
