// ControlServer: one bound control socket of egdd (unix stream). A client
// sends one command line ("status", "stats", "init", "shutdown", "restart"; at
// most 256 bytes) and gets one line of JSON back, then the connection closes.
// Access is controlled by the socket's file mode ([control] mode, default 0660).
//
// Lifetime: a ControlServer is one socket, bound by Open and owned by a
// shared_ptr; moving the socket (a reload) opens a new one while the old one
// still answers, then stops the old one. It accepts through an
// egd::AcceptLoop (a pause after a failed accept); a session holds a weak_ptr
// to the handler (owned by the daemon), so an answer is never computed by a
// daemon that is gone. Stop() removes the socket file only while it is still
// this socket's.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include "common/listener.h"
#include "common/status.h"
#include "common/socket_file.h"

namespace egdd {

class ControlServer : public std::enable_shared_from_this<ControlServer> {
 public:
  // Maps a command (without newline) to a JSON response line.
  using Handler = std::function<std::string(const std::string& command)>;

  // Binds and listens at `path` with `mode` (a stale socket there is
  // replaced; any other file is an error), but does not accept yet. A server
  // dropped before Stop (a reload that failed) removes its socket file.
  static egd::Status Open(boost::asio::io_context& io, const std::string& path, unsigned mode,
                          std::weak_ptr<const Handler> handler,
                          std::shared_ptr<ControlServer>* out);
  explicit ControlServer(std::weak_ptr<const Handler> handler);  // use Open
  ~ControlServer();

  void Accept();  // starts answering
  void Stop();
  bool SetMode(unsigned mode);  // chmod of the socket file
  const std::string& path() const { return file_.path(); }

 private:
  std::weak_ptr<const Handler> handler_;
  std::shared_ptr<egd::AcceptLoop> loop_;
  egd::SocketFile file_;
};

}  // namespace egdd
