#include "egdd/control_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "common/log.h"

namespace egdd {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;

namespace {

constexpr size_t kMaxCommand = 256;

// One control connection: read a line (bounded, with a deadline), answer, close.
class ControlSession : public std::enable_shared_from_this<ControlSession> {
 public:
  ControlSession(Local::socket socket, const ControlServer::Handler& handler)
      : socket_(std::move(socket)), handler_(handler), buf_(kMaxCommand),
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
      reply = handler_(line);
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

  Local::socket socket_;
  const ControlServer::Handler& handler_;
  asio::streambuf buf_;
  asio::steady_timer deadline_;
  std::string reply_;
};

}  // namespace

ControlServer::ControlServer(asio::io_context& io, Handler handler)
    : io_(io), handler_(std::move(handler)), acceptor_(io) {}

ControlServer::~ControlServer() { Stop(); }

egd::Status ControlServer::Listen(const std::string& path, unsigned mode) {
  Stop();
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return egd::Status::Error(path + " exists and is not a socket");
    ::unlink(path.c_str());
  }
  boost::system::error_code ec;
  acceptor_.open(Local(), ec);
  // The mode is applied before anyone can connect: bind under a tight umask.
  mode_t old = ::umask(0177);
  if (!ec) acceptor_.bind(Local::endpoint(path), ec);
  ::umask(old);
  if (!ec && ::chmod(path.c_str(), mode) != 0) ec.assign(errno, boost::system::system_category());
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close();
    return egd::Status::Error("control socket " + path + ": " + ec.message());
  }
  path_ = path;
  egd::Log(egd::LogLevel::kInfo, "control socket on ", path);
  Accept();
  return egd::Status::Ok();
}

void ControlServer::Accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, Local::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) std::make_shared<ControlSession>(std::move(socket), handler_)->Start();
    Accept();
  });
}

void ControlServer::Stop() {
  if (!acceptor_.is_open()) return;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  ::unlink(path_.c_str());
}

}  // namespace egdd
