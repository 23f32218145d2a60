// SPDX-License-Identifier: Apache-2.0
#include "common/listener.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

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

TEST_CASE("trusted proxy peers") {
  IpPrefix net;
  REQUIRE(ParseIpPrefix("10.77.0.0/24", &net).ok());
  CHECK(TrustedProxyPeer({net}, "10.77.0.5"));
  CHECK_FALSE(TrustedProxyPeer({net}, "10.77.1.5"));
  CHECK_FALSE(TrustedProxyPeer({}, "127.0.0.1"));
}

}  // namespace
}  // namespace egd
