// SPDX-License-Identifier: Apache-2.0
// EgdSession over a socketpair: identities (PROXY header -> client key),
// admission, a PROXY header on a plain listener, and a halted pool.
#include "egdd/egd_session.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <numeric>
#include <string>
#include <vector>

namespace egdd {
namespace {

namespace asio = boost::asio;

struct Fixture {
  asio::io_context io;
  Pool pool{4096};
  EgdStats stats;
  egd::ClientTable clients;
  EgdSettings settings;
  SessionContext ctx;
  std::vector<std::shared_ptr<EgdSession>> sessions;
  std::vector<std::string> refused, unexpected;
  size_t admit_limit = 100;
  uint32_t bits = 1234;

  Fixture() {
    ctx.pool = &pool;
    ctx.stats = &stats;
    ctx.clients = &clients;
    ctx.settings = &settings;
    ctx.entropy_bits = [this] { return bits; };
    ctx.on_closed = [](uint64_t) {};
    ctx.admit = [this](const std::string& key, const std::string&) {
      if (clients.Connections(key) < admit_limit) return true;
      refused.push_back(key);
      return false;
    };
    ctx.unexpected_proxy = [this](const std::string& address, const std::string&) {
      unexpected.push_back(address);
    };
  }

  // Starts a session on one end of a socketpair; returns the client's end.
  int Connect(bool proxy, const std::string& address = "uid:0") {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    EgdSession::Socket socket(io);
    socket.assign(asio::generic::stream_protocol(AF_UNIX, SOCK_STREAM), fds[0]);
    auto s = std::make_shared<EgdSession>(std::move(socket), ctx, sessions.size() + 1,
                                          "test peer", address,
                                          egd::ClientKey(address, settings.key_policy), proxy);
    sessions.push_back(s);
    s->Start();
    return fds[1];
  }

  ~Fixture() {
    for (auto& s : sessions) s->Close();
    io.run_for(std::chrono::milliseconds(10));
  }

  // Sends `request`, runs the server side until `n` bytes or EOF came back
  // (or `wait` passed: a test expecting silence waits that long).
  std::string Exchange(int fd, const std::string& request, size_t n, bool* eof = nullptr,
                       std::chrono::milliseconds wait = std::chrono::milliseconds(2000)) {
    if (!request.empty()) {
      REQUIRE(::send(fd, request.data(), request.size(), 0) == ssize_t(request.size()));
    }
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(5));
      char buf[512];
      ssize_t r = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (r == 0) {
        if (eof) *eof = true;
        break;
      }
      if (r > 0) got.append(buf, static_cast<size_t>(r));
    }
    return got;
  }

  void Fill(size_t n) {
    egd::SecureBytes bytes(n);
    std::iota(bytes.begin(), bytes.end(), 1);
    pool.Add(bytes);
  }
};

std::string Cmd(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST_CASE("a PROXY header's address is canonicalised and grouped into its client key") {
  Fixture f;
  f.Fill(1000);
  const char* spellings[] = {"2001:db8::7",     "2001:DB8::7",
                             "2001:0db8:0000:0000:0000:0000:0000:0007",
                             "2001:db8:0:0::7", "2001:db8::0:7",
                             "2001:db8::ffff:1"};  // the last: another address of the /64
  std::vector<int> fds;
  for (const char* a : spellings) {
    int fd = f.Connect(true);
    fds.push_back(fd);
    std::string header = std::string("PROXY TCP6 ") + a + " ::1 40000 7776\r\n";
    CHECK(f.Exchange(fd, header + Cmd({2, 16}), 16).size() == 16);
  }
  for (auto& s : f.sessions) CHECK(s->key() == "2001:db8::/64");
  CHECK(f.clients.Connections("2001:db8::/64") == 6);
  auto table = f.clients.ToJson();
  REQUIRE(table.size() == 1);
  CHECK(table[0]["bytes_served"] == 6 * 16);
  for (int fd : fds) ::close(fd);
}

TEST_CASE("IPv4-mapped and plain IPv4 spellings are one client; prefixes are configurable") {
  Fixture f;
  f.Fill(1000);
  f.settings.key_policy.ipv4_prefix = 24;
  int a = f.Connect(true), b = f.Connect(true);
  CHECK(f.Exchange(a, "PROXY TCP6 ::ffff:192.0.2.7 ::1 1 2\r\n" + Cmd({2, 8}), 8).size() == 8);
  CHECK(f.Exchange(b, "PROXY TCP4 192.0.2.200 127.0.0.1 1 2\r\n" + Cmd({2, 8}), 8).size() == 8);
  CHECK(f.sessions[0]->key() == "192.0.2.0/24");
  CHECK(f.sessions[1]->key() == "192.0.2.0/24");
  ::close(a);
  ::close(b);
}

TEST_CASE("PROXY UNKNOWN keeps the peer's identity") {
  Fixture f;
  f.Fill(100);
  int fd = f.Connect(true, "uid:1000");
  CHECK(f.Exchange(fd, "PROXY UNKNOWN\r\n" + Cmd({2, 8}), 8).size() == 8);
  CHECK(f.sessions[0]->key() == "uid:1000");
  CHECK(f.clients.Connections("uid:1000") == 1);
  ::close(fd);
}

TEST_CASE("a client over max_clients_per_address is closed after its PROXY header") {
  Fixture f;
  f.Fill(100);
  f.admit_limit = 1;
  int a = f.Connect(true), b = f.Connect(true), c = f.Connect(true);
  CHECK_FALSE(f.Exchange(a, "PROXY TCP4 192.0.2.7 127.0.0.1 1 2\r\n" + Cmd({4}), 1).empty());
  bool eof = false;
  CHECK(f.Exchange(b, "PROXY TCP4 192.0.2.7 127.0.0.1 3 2\r\n" + Cmd({4}), 1, &eof).empty());
  CHECK(eof);
  CHECK(f.refused == std::vector<std::string>{"192.0.2.7"});
  CHECK_FALSE(f.Exchange(c, "PROXY TCP4 192.0.2.8 127.0.0.1 3 2\r\n" + Cmd({4}), 1).empty());
  CHECK(f.clients.Connections("192.0.2.7") == 1);
  for (int fd : {a, b, c}) ::close(fd);
}

TEST_CASE("a PROXY header on a plain listener closes the connection") {
  Fixture f;
  int fd = f.Connect(false, "127.0.0.1");
  bool eof = false;
  CHECK(f.Exchange(fd, "PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\n" + Cmd({2, 8}), 8, &eof).empty());
  CHECK(eof);
  CHECK(f.unexpected == std::vector<std::string>{"127.0.0.1"});
  CHECK(f.stats.protocol_errors == 0);
  ::close(fd);
}

TEST_CASE("a halted pool answers 01 with nothing; a waiting 02 is served after resume") {
  Fixture f;
  f.Fill(100);
  f.pool.Halt();
  int fd = f.Connect(false);
  CHECK(f.Exchange(fd, Cmd({1, 255}), 1) == Cmd({0}));
  bool eof = false;
  CHECK(f.Exchange(fd, Cmd({2, 32}), 32, &eof, std::chrono::milliseconds(200)).empty());
  CHECK_FALSE(eof);  // queued, connection kept
  CHECK(f.pool.waiting() == 1);
  f.pool.Resume();
  egd::SecureBytes fresh(64, 0xAB);
  f.pool.Add(fresh);
  CHECK(f.Exchange(fd, "", 32) == std::string(32, '\xAB'));
  ::close(fd);
}

}  // namespace
}  // namespace egdd
