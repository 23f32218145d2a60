// SPDX-License-Identifier: Apache-2.0
// Reloads of an in-process egdd (egdd/daemon_harness.h): prepare, then
// commit. A reload that fails at any step changes nothing; one that succeeds
// moves listeners and the control socket, applies modes, limits and the log
// level, and swaps the source, while connected clients stay served.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <catch2/catch.hpp>

#include "common/log.h"
#include "egdd/daemon_harness.h"

namespace egdd {
namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// 1-based line of the first line of `text` that starts with `key`.
size_t LineOf(const std::string& text, const std::string& key) {
  size_t line = 1, at = 0;
  while (at < text.size()) {
    if (text.compare(at, key.size(), key) == 0) return line;
    at = text.find('\n', at);
    if (at == std::string::npos) break;
    ++at;
    ++line;
  }
  return 0;
}

// A TCP port on 127.0.0.1 held open (listening) by the test.
struct TakenPort {
  TakenPort() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 1) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~TakenPort() { ::close(fd); }
  int fd;
  int port;
};

struct BadReload {
  std::string name;
  Keys keys;         // over the changes every variant makes
  std::string key;   // the key whose line the error names
  std::string text;  // in the error
};

TEST_CASE("reload: a failing step changes nothing at all") {
  DaemonHarness h(Keys{{"egd.max_clients", "10"},
                       {"egd.max_clients_per_address", "10"},
                       {"pool.size_bytes", "65536"}});
  h.FeedUntilRunning(1024);
  auto client = h.Connect();
  client.Send("\x04");
  std::string len = client.Recv(1);
  REQUIRE(len.size() == 1);
  CHECK(client.Recv(uint8_t(len[0])).size() == uint8_t(len[0]));  // accepted and answered
  FakeSource* source = h.device->current;
  int closes = h.device->closes;
  TakenPort taken;
  // Every variant also changes what would apply if it succeeded.
  Keys changes = {{"egd.max_clients", "3"},
                  {"egd.max_clients_per_address", "10"},
                  {"log.level", "\"debug\""},
                  {"pool.size_bytes", "4096"},
                  {"egd.unix_mode", "\"0600\""},
                  {"source.path", "\"/fake/2\""},
                  {"health.total_failure_max_identical", "20"},
                  {"control.socket", "\"" + h.Path("control2.sock") + "\""},
                  {"egd.listen", "[\"unix:" + h.Path("egd.sock") + "\", \"unix:" +
                                     h.Path("new.sock") + "\"]"}};
  std::vector<BadReload> bad = {
      {"a control socket in a missing directory",
       {{"control.socket", "\"" + h.Path("missing/control.sock") + "\""}}, "control.socket",
       "No such file or directory"},
      {"a listener on a port already taken",
       {{"egd.listen", "[\"unix:" + h.Path("egd.sock") + "\", \"unix:" + h.Path("new.sock") +
                           "\", \"127.0.0.1:" + std::to_string(taken.port) + "\"]"}},
       "egd.listen", "Address already in use"},
      {"a device that cannot be opened", {}, "source.path", "fake-missing"},
  };
  for (const BadReload& b : bad) {
    SECTION(b.name) {
      Keys keys = changes;
      for (const auto& [k, v] : b.keys) keys[k] = v;
      std::string text = h.ConfigText(keys);
      if (b.key == "source.path") h.device->open_error = "fake-missing";
      h.WriteConfig(text);
      egd::Status st = h.Reload();
      INFO(st.message());
      REQUIRE_FALSE(st.ok());
      CHECK(st.message().find(h.config_path() + ":" + std::to_string(LineOf(text, b.key)) + ": " +
                              b.key) == 0);
      CHECK(st.message().find(b.text) != std::string::npos);
      h.device->open_error.reset();
    }
  }
  SECTION("an unknown key") {
    std::string text = h.ConfigText(changes) + "egd.no_such_key = 1\n";
    h.WriteConfig(text);
    egd::Status st = h.Reload();
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().find(h.config_path() + ":" + std::to_string(LineOf(text, "egd.no_such")) +
                            ":") == 0);
  }
  // Nothing changed: configuration, log level, limits, sockets, source, pool.
  CHECK(h.daemon().config().egd.max_clients == 10);
  CHECK(h.daemon().config().source.path == "/fake/1");
  CHECK_FALSE(egd::LogEnabled(egd::LogLevel::kDebug));
  CHECK(h.daemon().pool().capacity() == 65536);
  CHECK(h.daemon().control_path() == h.Path("control.sock"));
  CHECK(h.Status()["state"] == "running");
  CHECK_FALSE(Exists(h.Path("new.sock")));
  CHECK_FALSE(Exists(h.Path("control2.sock")));
  CHECK(ModeOf(h.Path("egd.sock")) == 0666);
  CHECK(h.device->current == source);
  CHECK(h.device->closes == closes);
  CHECK(h.daemon().egd().addresses() == std::vector<std::string>{"unix:" + h.Path("egd.sock")});
  CHECK(client.ReadNonBlocking(16).size() == 16);  // the connected client is still served
  std::vector<EgdClient> more;
  for (int i = 0; i < 5; ++i) more.push_back(h.Connect());  // max_clients is still 10
  CHECK_FALSE(more.back().Closed());
  // The same file, fixed, applies in full.
  h.WriteConfig(h.ConfigText(changes));
  REQUIRE(h.Reload().ok());
  CHECK(h.daemon().config().egd.max_clients == 3);
  CHECK(egd::LogEnabled(egd::LogLevel::kDebug));
  CHECK(h.daemon().pool().capacity() == 4096);
  CHECK(Exists(h.Path("new.sock")));
  CHECK(ModeOf(h.Path("egd.sock")) == 0600);  // unix_mode reaches the existing socket
  CHECK(h.device->current != source);
  egd::SetLogLevel(egd::LogLevel::kError);
}

TEST_CASE("reload: listeners are added and removed; connected clients stay") {
  DaemonHarness h;
  h.FeedUntilRunning(1024);
  std::string a = h.Path("egd.sock"), b = h.Path("b.sock");
  auto on_a = h.Connect(a);
  CHECK(on_a.ReadNonBlocking(16).size() == 16);  // accepted
  h.WriteConfig(h.ConfigText({{"egd.listen", "[\"unix:" + b + "\"]"}}));
  REQUIRE(h.Reload().ok());
  CHECK_FALSE(Exists(a));
  CHECK(h.daemon().egd().addresses() == std::vector<std::string>{"unix:" + b});
  CHECK(on_a.ReadNonBlocking(16).size() == 16);  // its listener is gone, not the client
  auto on_b = h.Connect(b);
  CHECK(on_b.ReadNonBlocking(16).size() == 16);
  h.WriteConfig(h.ConfigText({{"egd.listen", "[\"unix:" + a + "\", \"unix:" + b + "\"]"},
                              {"egd.unix_mode", "\"0640\""}}));
  REQUIRE(h.Reload().ok());
  CHECK(ModeOf(a) == 0640);
  CHECK(ModeOf(b) == 0640);
  CHECK(h.Connect(a).ReadNonBlocking(16).size() == 16);
  CHECK(on_b.ReadNonBlocking(16).size() == 16);
  CHECK(h.RunUntil([&] { return h.daemon().egd().clients() == 2; }));
}

TEST_CASE("reload: the control socket moves; the old path is removed") {
  DaemonHarness h;
  h.FeedUntilRunning();
  std::string old_path = h.Path("control.sock");
  h.WriteConfig(h.ConfigText({{"control.socket", "\"" + h.Path("ctl/other.sock") + "\""}}));
  CHECK_FALSE(h.Reload().ok());  // the directory does not exist yet
  CHECK(h.Status()["state"] == "running");
  REQUIRE(::mkdir(h.Path("ctl").c_str(), 0700) == 0);
  REQUIRE(h.Reload().ok());
  CHECK(h.daemon().control_path() == h.Path("ctl/other.sock"));
  CHECK_FALSE(Exists(old_path));
  CHECK(nlohmann::json::parse(h.Control("status", h.Path("ctl/other.sock")))["state"] == "running");
  CHECK(ModeOf(h.Path("ctl/other.sock")) == 0660);
  h.WriteConfig(h.ConfigText({{"control.socket", "\"" + h.Path("ctl/other.sock") + "\""},
                              {"control.mode", "\"0600\""}}));
  REQUIRE(h.Reload().ok());
  CHECK(ModeOf(h.Path("ctl/other.sock")) == 0600);
  CHECK(h.Status()["state"] == "running");
}

TEST_CASE("reload: a new source is opened first and swapped in; the old one is closed") {
  DaemonHarness h;
  h.FeedUntilRunning();
  FakeSource* old_source = h.device->current;
  int opens = h.device->opens, closes = h.device->closes;
  h.WriteConfig(h.ConfigText({{"source.path", "\"/fake/2\""}}));
  REQUIRE(h.Reload().ok());
  CHECK(h.device->last_path == "/fake/2");
  CHECK(h.device->opens == opens + 1);
  CHECK(h.device->closes == closes + 1);
  CHECK(h.device->current != old_source);
  CHECK(h.daemon().device().state() == DeviceState::kInitializing);  // its startup test
  CHECK(h.Status()["source"] == "fake device /fake/2");
  h.FeedUntilRunning();
}

TEST_CASE("reload: in standby a new source is made but not opened") {
  DaemonHarness h(Keys{{"source.autostart", "false"}});
  int created = h.device->created;
  h.WriteConfig(h.ConfigText({{"source.autostart", "false"}, {"source.path", "\"/fake/3\""}}));
  h.device->open_error = "would fail";
  REQUIRE(h.Reload().ok());
  CHECK(h.device->created == created + 1);
  CHECK(h.device->opens == 0);
  CHECK(h.State() == "standby");
  h.device->open_error.reset();
  CHECK(nlohmann::json::parse(h.Control("init"))["ok"] == true);
  CHECK(h.Status()["source"] == "fake device /fake/3");
}

TEST_CASE("reload: source.autostart is restart-only: kept, and the reload goes on") {
  CHECK(RestartOnlyKeys() == std::vector<std::string>{"source.autostart"});
  DaemonHarness h;
  h.WriteConfig(h.ConfigText({{"source.autostart", "false"}, {"egd.max_clients", "5"}}));
  REQUIRE(h.Reload().ok());
  CHECK(h.daemon().config().source.autostart);
  CHECK(h.daemon().config().egd.max_clients == 5);
}

TEST_CASE("reload: new health settings restart the startup test") {
  DaemonHarness h;
  h.FeedUntilRunning();
  h.WriteConfig(h.ConfigText({{"health.alpha_exponent", "30"}}));
  REQUIRE(h.Reload().ok());
  CHECK(h.daemon().device().state() == DeviceState::kInitializing);
  h.FeedUntilRunning();
}

}  // namespace
}  // namespace egdd
