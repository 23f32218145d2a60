// SPDX-License-Identifier: Apache-2.0
#include "common/listener.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace egd {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/listener-test.XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  return tmpl;
}

ListenAddress Parse(const std::string& text) {
  ListenAddress a;
  REQUIRE(ParseListenAddress(text, &a).ok());
  return a;
}

TEST_CASE("listen address forms") {
  ListenAddress a = Parse("proxy:unix:/run/egdd/proxy/egd.sock");
  CHECK(a.proxy);
  CHECK(a.is_unix);
  CHECK(a.path == "/run/egdd/proxy/egd.sock");
  a = Parse("proxy:[::1]:8887");
  CHECK(a.proxy);
  CHECK(a.host == "::1");
  a = Parse("unix:/tmp/x.sock");
  CHECK_FALSE(a.proxy);
  CHECK(a.is_unix);
  CHECK_FALSE(ParseListenAddress("proxy:", &a).ok());
  CHECK_FALSE(ParseListenAddress("proxy:unix:relative", &a).ok());
}

TEST_CASE("a proxy socket's directory must keep other users out") {
  std::string dir = TempDir();  // 0700
  std::string sock = dir + "/egd.sock";
  CHECK(CheckProxyDirectory(sock).ok());
  ::chmod(dir.c_str(), 0750);
  CHECK(CheckProxyDirectory(sock).ok());
  ::chmod(dir.c_str(), 0751);
  CHECK(CheckProxyDirectory(sock).message().find("lets every local user reach the socket") !=
        std::string::npos);
  ::chmod(dir.c_str(), 0770);
  CHECK(CheckProxyDirectory(sock).message().find("(mode 0770) is writable by others") !=
        std::string::npos);
  CHECK(CheckProxyDirectory(dir + "/missing/egd.sock").message().find("does not exist") !=
        std::string::npos);
  ::rmdir(dir.c_str());
}

TEST_CASE("unix listeners: stale sockets replaced, other files refused, peers named by uid") {
  boost::asio::io_context io;
  std::string dir = TempDir();
  ListenAddress a = Parse("proxy:unix:" + dir + "/p.sock");
  {
    StreamAcceptor acceptor(io);
    REQUIRE(OpenListener(a, 0666, &acceptor).ok());
    struct stat st {};
    REQUIRE(::stat((dir + "/p.sock").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0660);
    boost::asio::local::stream_protocol::socket client(io);
    client.connect(boost::asio::local::stream_protocol::endpoint(dir + "/p.sock"));
    auto server = acceptor.accept();
    Peer p = PeerOf(server.native_handle(), a);
    CHECK(p.address == "uid:" + std::to_string(::geteuid()));
  }
  StreamAcceptor again(io);
  CHECK(OpenListener(a, 0666, &again).ok());  // the stale socket is replaced
  again.close();
  ::unlink((dir + "/p.sock").c_str());
  FILE* f = std::fopen((dir + "/p.sock").c_str(), "w");
  std::fclose(f);
  StreamAcceptor third(io);
  Status st = OpenListener(a, 0666, &third);
  CHECK(st.message() == "cannot listen on proxy:unix:" + dir + "/p.sock: " + dir +
                            "/p.sock exists and is not a socket");
  ::unlink((dir + "/p.sock").c_str());
  ::chmod(dir.c_str(), 0755);
  CHECK(OpenListener(a, 0666, &third).message().find("lets every local user") != std::string::npos);
  CHECK_FALSE(third.is_open());
  ::rmdir(dir.c_str());
}

// Lines written to stderr (egd::Log) while it lives.
class CaptureStderr {
 public:
  explicit CaptureStderr(std::string path) : path_(std::move(path)) {
    saved_ = ::dup(STDERR_FILENO);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~CaptureStderr() { Restore(); }
  void Restore() {
    if (saved_ < 0) return;
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }
  std::string Text() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string path_;
  int saved_ = -1;
};

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Holds every free descriptor below a lowered RLIMIT_NOFILE (open ones above
// stay usable) until Release().
class ExhaustDescriptors {
 public:
  ExhaustDescriptors() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    int probe = ::dup(STDIN_FILENO);  // the lowest free descriptor
    ::close(probe);
    rlimit low = saved_;
    low.rlim_cur = static_cast<rlim_t>(probe) + 8;
    ::setrlimit(RLIMIT_NOFILE, &low);
    for (int fd; (fd = ::dup(STDIN_FILENO)) >= 0;) held_.push_back(fd);
    error_ = errno;
  }
  ~ExhaustDescriptors() { Release(); }
  void Release() {
    for (int fd : held_) ::close(fd);
    held_.clear();
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  int error() const { return error_; }

 private:
  rlimit saved_{};
  std::vector<int> held_;
  int error_ = 0;
};

void UnixListener(const std::string& path, StreamAcceptor* acceptor) {
  REQUIRE(OpenListener(Parse("unix:" + path), 0600, acceptor).ok());
}

TEST_CASE("AcceptLoop hands each connection to its handler and none after Stop") {
  boost::asio::io_context io;
  std::string dir = TempDir();
  StreamAcceptor acceptor(io);
  UnixListener(dir + "/a.sock", &acceptor);
  int accepted = 0;
  std::shared_ptr<AcceptLoop> loop;
  loop = AcceptLoop::Create(std::move(acceptor), "unix:" + dir + "/a.sock",
                            [&](AcceptLoop::Socket socket) {
                              CHECK(socket.is_open());
                              if (++accepted == 2) loop->Stop();  // from inside the handler
                            });
  loop->Start();
  boost::asio::local::stream_protocol::socket c1(io), c2(io), c3(io);
  c1.connect(boost::asio::local::stream_protocol::endpoint(dir + "/a.sock"));
  c2.connect(boost::asio::local::stream_protocol::endpoint(dir + "/a.sock"));
  io.run_for(std::chrono::milliseconds(300));
  CHECK(accepted == 2);
  CHECK(loop->stopped());
  boost::system::error_code ec;
  c3.connect(boost::asio::local::stream_protocol::endpoint(dir + "/a.sock"), ec);
  CHECK(ec);  // the listener is closed
  io.restart();
  io.run_for(std::chrono::milliseconds(100));
  CHECK(accepted == 2);
  std::weak_ptr<AcceptLoop> weak = loop;
  loop.reset();
  io.restart();
  io.run_for(std::chrono::milliseconds(50));
  CHECK(weak.expired());  // no handler of its own keeps it
  ::unlink((dir + "/a.sock").c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("AcceptLoop pauses after a failed accept (EMFILE) and warns once until it resumes") {
  boost::asio::io_context io;
  std::string dir = TempDir();
  std::string path = dir + "/b.sock";
  StreamAcceptor acceptor(io);
  UnixListener(path, &acceptor);
  int accepted = 0;
  auto loop = AcceptLoop::Create(std::move(acceptor), "unix:" + path,
                                 [&](AcceptLoop::Socket) { ++accepted; },
                                 {.retry = std::chrono::milliseconds(50),
                                  .warn_every = std::chrono::seconds(60)});
  // One client is accepted first: the daemons have served clients before they run
  // out of descriptors, and in the ASan+UBSan build the first check of each
  // polymorphic type (here Asio's handler and executor types) needs a pipe(2).
  // A timer is waited for once too (the retry's path).
  boost::asio::local::stream_protocol::socket c0(io), c1(io), c2(io);
  c1.open();
  c2.open();
  loop->Start();
  c0.connect(boost::asio::local::stream_protocol::endpoint(path));
  boost::asio::steady_timer warm(io, std::chrono::milliseconds(10));
  warm.async_wait([](const boost::system::error_code&) {});
  for (int i = 0; i < 50 && accepted < 1; ++i) io.run_for(std::chrono::milliseconds(20));
  REQUIRE(accepted == 1);
  CaptureStderr log(dir + "/stderr");
  uint64_t attempts_before = loop->attempts();
  uint64_t attempts_starved = 0, failures_starved = 0;
  int accepted_starved = 0, exhausted_errno = 0;
  {
    // Then no descriptor is left for accept(2), and two clients wait in the backlog.
    ExhaustDescriptors exhaust;
    exhausted_errno = exhaust.error();
    c1.connect(boost::asio::local::stream_protocol::endpoint(path));
    c2.connect(boost::asio::local::stream_protocol::endpoint(path));
    io.restart();
    io.run_for(std::chrono::milliseconds(1000));
    attempts_starved = loop->attempts() - attempts_before;
    failures_starved = loop->failures();
    accepted_starved = accepted - 1;
  }
  io.restart();
  for (int i = 0; i < 50 && accepted < 3; ++i) io.run_for(std::chrono::milliseconds(20));
  log.Restore();
  std::string text = log.Text();
  CHECK(exhausted_errno == EMFILE);
  CHECK(accepted_starved == 0);
  // One attempt per 50 ms pause (about 20 in a second), not thousands.
  CHECK(attempts_starved >= 5);
  CHECK(attempts_starved <= 40);
  CHECK(failures_starved + 1 >= attempts_starved);  // every attempt failed (one may be pending)
  CHECK(accepted == 3);
  CHECK(loop->failures() == 0);
  CHECK(Count(text, "accept on unix:" + path + ": Too many open files (1 in a row") == 1);
  CHECK(Count(text, "Too many open files") == 1);  // then silent for warn_every
  CHECK(Count(text, "accept on unix:" + path + " works again after ") == 1);
  loop->Stop();
  ::unlink(path.c_str());
  ::unlink((dir + "/stderr").c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("trusted proxy peers") {
  IpPrefix net;
  REQUIRE(ParseIpPrefix("10.77.0.0/24", &net).ok());
  CHECK(TrustedProxyPeer({net}, "10.77.0.5"));
  CHECK_FALSE(TrustedProxyPeer({net}, "10.77.1.5"));
  CHECK_FALSE(TrustedProxyPeer({}, "127.0.0.1"));
}

}  // namespace
}  // namespace egd
