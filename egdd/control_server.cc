#include "egdd/control_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "common/log.h"

namespace egdd {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;
using Socket = egd::AcceptLoop::Socket;

namespace {

constexpr size_t kMaxCommand = 256;

// One control connection: read a line (bounded, with a deadline), answer, close.
class ControlSession : public std::enable_shared_from_this<ControlSession> {
 public:
  ControlSession(Socket socket, std::weak_ptr<const ControlServer::Handler> handler)
      : socket_(std::move(socket)), handler_(std::move(handler)), buf_(kMaxCommand),
        deadline_(socket_.get_executor()) {}

  void Start() {
    deadline_.expires_after(std::chrono::seconds(5));
    deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->socket_.close();
    });
    asio::async_read_until(socket_, buf_, '\n',
                           [self = shared_from_this()](const boost::system::error_code& ec,
                                                       size_t n) { self->OnLine(ec, n); });
  }

 private:
  void OnLine(const boost::system::error_code& ec, size_t n) {
    std::string reply;
    if (ec) {
      if (ec == asio::error::not_found) reply = R"({"ok":false,"error":"command too long"})";
      else return Finish();
    } else {
      std::string line(asio::buffers_begin(buf_.data()), asio::buffers_begin(buf_.data()) + n);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      auto handler = handler_.lock();
      if (!handler) return Finish();  // egdd is stopping
      reply = (*handler)(line);
    }
    reply_ = reply + "\n";
    asio::async_write(socket_, asio::buffer(reply_),
                      [self = shared_from_this()](const boost::system::error_code&, size_t) {
                        self->Finish();
                      });
  }

  void Finish() {
    deadline_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  Socket socket_;
  std::weak_ptr<const ControlServer::Handler> handler_;
  asio::streambuf buf_;
  asio::steady_timer deadline_;
  std::string reply_;
};

}  // namespace

ControlServer::ControlServer(std::weak_ptr<const Handler> handler)
    : handler_(std::move(handler)) {}

ControlServer::~ControlServer() { Stop(); }

egd::Status ControlServer::Open(asio::io_context& io, const std::string& path, unsigned mode,
                                std::weak_ptr<const Handler> handler,
                                std::shared_ptr<ControlServer>* out) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return egd::Status::Error("control socket " + path + ": exists and is not a socket");
    }
    ::unlink(path.c_str());  // stale, from an earlier run
  }
  auto server = std::make_shared<ControlServer>(handler);
  egd::StreamAcceptor a(io);
  asio::generic::stream_protocol::endpoint endpoint(Local::endpoint{path});
  boost::system::error_code ec;
  a.open(endpoint.protocol(), ec);
  // The mode is applied before anyone can connect: bind under a tight umask.
  mode_t old = ::umask(0177);
  if (!ec) a.bind(endpoint, ec);
  ::umask(old);
  if (!ec) server->file_ = egd::SocketFile(path);
  if (!ec && ::chmod(path.c_str(), mode) != 0) ec.assign(errno, boost::system::system_category());
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return egd::Status::Error("control socket " + path + ": " + ec.message());
  server->loop_ = egd::AcceptLoop::Create(std::move(a), "unix:" + path + " (control)",
                                          [handler](Socket socket) {
                                            std::make_shared<ControlSession>(std::move(socket),
                                                                             handler)
                                                ->Start();
                                          });
  *out = std::move(server);
  return egd::Status::Ok();
}

void ControlServer::Accept() { loop_->Start(); }

bool ControlServer::SetMode(unsigned mode) { return ::chmod(path().c_str(), mode) == 0; }

void ControlServer::Stop() {
  if (loop_) loop_->Stop();
  file_.Remove();
  file_ = egd::SocketFile();
}

}  // namespace egdd
