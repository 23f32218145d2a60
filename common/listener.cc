// SPDX-License-Identifier: Apache-2.0
#include "common/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "common/log.h"

namespace egd {

namespace asio = boost::asio;
using Generic = asio::generic::stream_protocol;

namespace {

Generic::endpoint EndpointFor(const ListenAddress& a, boost::system::error_code& ec) {
  if (a.is_unix) return Generic::endpoint(asio::local::stream_protocol::endpoint(a.path));
  auto ip = asio::ip::make_address(a.host, ec);
  return Generic::endpoint(asio::ip::tcp::endpoint(ip, a.port));
}

// Removes a stale unix socket left by an earlier run; refuses to touch other files.
Status ClearUnixPath(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return Status::Ok();
  if (!S_ISSOCK(st.st_mode)) return Status::Error(path + " exists and is not a socket");
  ::unlink(path.c_str());
  return Status::Ok();
}

std::string Octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Status CheckProxyDirectory(const std::string& socket_path) {
  std::string dir = Parent(socket_path);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    return Status::Error("directory " + dir + " does not exist (create it with mode 0750 and the "
                         "TLS front end's group)");
  }
  std::string why;
  if (!S_ISDIR(st.st_mode)) why = "is not a directory";
  else if (st.st_uid != 0 && st.st_uid != ::geteuid()) why = "belongs to another user";
  else if (st.st_mode & 022) why = "is writable by others than its owner";
  else if (st.st_mode & 001) why = "lets every local user reach the socket";
  if (why.empty()) return Status::Ok();
  return Status::Error("directory " + dir + " (mode " + Octal(st.st_mode) + ") " + why +
                       ": anyone could claim any client address in a PROXY header; make it "
                       "0750 (or 0700), owned by this daemon, with the TLS front end's group");
}

Status OpenListener(const ListenAddress& address, unsigned unix_mode, StreamAcceptor* acceptor) {
  auto fail = [&](const std::string& why) {
    boost::system::error_code ignored;
    acceptor->close(ignored);
    return Status::Error("cannot listen on " + address.text + ": " + why);
  };
  if (address.is_unix && address.proxy) {
    if (Status st = CheckProxyDirectory(address.path); !st.ok()) return fail(st.message());
    unix_mode = 0660;
  }
  boost::system::error_code ec;
  Generic::endpoint endpoint = EndpointFor(address, ec);
  if (!ec && address.is_unix) {
    if (Status st = ClearUnixPath(address.path); !st.ok()) return fail(st.message());
  }
  if (!ec) acceptor->open(endpoint.protocol(), ec);
  if (!ec && !address.is_unix) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (!ec && address.is_unix && ::chmod(address.path.c_str(), unix_mode) != 0) {
    ec.assign(errno, boost::system::system_category());
  }
  if (ec) return fail(ec.message());
  return Status::Ok();
}

std::shared_ptr<AcceptLoop> AcceptLoop::Create(StreamAcceptor acceptor, std::string name,
                                               Handler handler, Backoff backoff) {
  return std::shared_ptr<AcceptLoop>(
      new AcceptLoop(std::move(acceptor), std::move(name), std::move(handler), backoff));
}

AcceptLoop::AcceptLoop(StreamAcceptor acceptor, std::string name, Handler handler,
                       Backoff backoff)
    : acceptor_(std::move(acceptor)),
      retry_(acceptor_.get_executor()),
      name_(std::move(name)),
      handler_(std::move(handler)),
      backoff_(backoff) {}

void AcceptLoop::Start() {
  if (started_ || stopped_) return;
  started_ = true;
  Accept();
}

void AcceptLoop::Stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

void AcceptLoop::Accept() {
  ++attempts_;
  acceptor_.async_accept(
      [self = shared_from_this()](const boost::system::error_code& ec, Socket socket) {
        self->OnAccept(ec, std::move(socket));
      });
}

void AcceptLoop::OnAccept(const boost::system::error_code& ec, Socket socket) {
  if (stopped_) return;  // a socket accepted meanwhile is closed as it goes
  if (ec) return Failed(ec);
  if (failures_ > 0) {
    Log(LogLevel::kNotice, "accept on ", name_, " works again after ", failures_, " failures");
    failures_ = 0;
  }
  handler_(std::move(socket));
  if (!stopped_) Accept();
}

void AcceptLoop::Failed(const boost::system::error_code& ec) {
  auto now = std::chrono::steady_clock::now();
  if (failures_++ == 0 || now - warned_ >= backoff_.warn_every) {
    // Strings only: no descriptor is free now, and in the ASan+UBSan build the
    // first ostream member call (a number) would have its vptr checked, which
    // needs a pipe(2) (sanitizer_common's IsAccessibleMemoryRange): it would fail
    // and the check would wrongly report a bad object.
    Log(LogLevel::kWarning, "accept on ", name_, ": ", ec.message(), " (",
        std::to_string(failures_), " in a row; new clients wait, connected ones are served)");
    warned_ = now;
  }
  retry_.expires_after(backoff_.retry);
  retry_.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
    if (!e && !self->stopped_) self->Accept();
  });
}

Peer PeerOf(int fd, const ListenAddress& via) {
  Peer peer;
  peer.address = "?";
  if (via.is_unix) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
      peer.address = "uid:" + std::to_string(cred.uid);
    }
    peer.name = "unix:" + via.path + " (" + peer.address + ")";
    return peer;
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  char host[INET6_ADDRSTRLEN] = "?";
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    if (ss.ss_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&ss);
      ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
      peer.port = ntohs(in->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
      peer.port = ntohs(in6->sin6_port);
    }
  }
  peer.address = CanonicalAddress(host).value_or("?");
  bool v6 = peer.address.find(':') != std::string::npos;
  peer.name = (v6 ? "[" + peer.address + "]" : peer.address) + ":" + std::to_string(peer.port);
  return peer;
}

bool TrustedProxyPeer(const std::vector<IpPrefix>& trusted, const std::string& peer_address) {
  for (const IpPrefix& p : trusted) {
    if (p.Contains(peer_address)) return true;
  }
  return false;
}

}  // namespace egd
