#include "egdd/daemon_harness.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include <catch2/catch.hpp>

namespace egdd {

egd::SecureBytes HealthyBytes(size_t n, uint64_t seed) {
  std::mt19937_64 gen(seed);
  egd::SecureBytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(gen() >> 56);
  return out;
}

namespace {

int ConnectUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  REQUIRE(fd >= 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  // A unix connect completes at once (or fails): no need to wait.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int err = errno;
    ::close(fd);
    FAIL("connect " << path << ": " << std::strerror(err));
  }
  return fd;
}

}  // namespace

EgdClient::EgdClient(DaemonHarness& h, const std::string& path) : h_(h), fd_(ConnectUnix(path)) {}

EgdClient::~EgdClient() {
  if (fd_ >= 0) ::close(fd_);
}

void EgdClient::Send(const std::string& bytes) {
  REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size()));
}

std::string EgdClient::Recv(size_t n, std::chrono::milliseconds wait) {
  std::string got;
  h_.RunUntil([&] {
    char buf[4096];
    ssize_t r = ::recv(fd_, buf, std::min(sizeof buf, n - got.size()), 0);
    if (r > 0) got.append(buf, static_cast<size_t>(r));
    return got.size() >= n || r == 0;
  }, wait);
  return got;
}

bool EgdClient::Closed(std::chrono::milliseconds wait) {
  return h_.RunUntil([&] {
    char c;
    ssize_t r = ::recv(fd_, &c, 1, MSG_PEEK);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }, wait);
}

uint32_t EgdClient::EntropyCount() {
  Send(std::string(1, '\x00'));
  std::string r = Recv(4);
  REQUIRE(r.size() == 4);
  return (uint32_t(uint8_t(r[0])) << 24) | (uint32_t(uint8_t(r[1])) << 16) |
         (uint32_t(uint8_t(r[2])) << 8) | uint32_t(uint8_t(r[3]));
}

std::string EgdClient::ReadNonBlocking(uint8_t n) {
  Send(std::string{'\x01', static_cast<char>(n)});
  std::string len = Recv(1);
  REQUIRE(len.size() == 1);
  return Recv(uint8_t(len[0]));
}

DaemonHarness::DaemonHarness(const Keys& keys, bool start, bool real_sources) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "egdd-test-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  dir_ = tmpl;
  config_path_ = Path("egdd.toml");
  WriteConfig(ConfigText(keys));
  Config config;
  egd::Status st = LoadConfig(config_path_, &config);
  INFO(st.message());
  REQUIRE(st.ok());
  device = std::make_shared<FakeDevice>(io);
  daemon_ = std::make_unique<Daemon>(io, config,
                                     real_sources       ? RealSources(io)
                                     : keys.count("source") ? FakeSources(device, "/fake/1", devices)
                                                            : FakeSources(device));
  if (start) {
    st = daemon_->Start();
    INFO(st.message());
    REQUIRE(st.ok());
  }
}

DaemonHarness::~DaemonHarness() {
  daemon_.reset();
  io.restart();
  io.poll();  // handlers of what was closed: each finds its object gone
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string DaemonHarness::ConfigText(const Keys& keys) const {
  Keys all = {{"egd.listen", "[\"unix:" + Path("egd.sock") + "\"]"},
              {"control.socket", "\"" + Path("control.sock") + "\""},
              {"log.level", "\"error\""},
              {"source.path", "\"/fake/1\""},
              {"health.reinit_delay_ms", "100"},
              // Tests of raw behaviour credit the configured value as is;
              // daemon_assessment_test.cc turns this off.
              {"source.entropy_certified", "true"},
              {"assessment.state_dir", "\"" + Path("state") + "\""}};
  if (keys.count("source")) {
    std::erase_if(all, [](const auto& kv) { return kv.first.rfind("source.", 0) == 0; });
  }
  for (const auto& [k, v] : keys) all[k] = v;
  std::string text;
  for (const auto& [k, v] : all) text += k + " = " + v + "\n";
  return text;
}

void DaemonHarness::WriteConfig(const std::string& text) {
  std::ofstream(config_path_, std::ios::trunc) << text;
}

bool DaemonHarness::RunUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(1));
  }
}

void DaemonHarness::RunFor(std::chrono::milliseconds d) {
  auto end = std::chrono::steady_clock::now() + d;
  RunUntil([&] { return std::chrono::steady_clock::now() >= end; }, d + d);
}

EgdClient DaemonHarness::Connect(const std::string& path) {
  return EgdClient(*this, path.empty() ? Path("egd.sock") : path);
}

std::string DaemonHarness::Control(const std::string& command, const std::string& path) {
  EgdClient c(*this, path.empty() ? daemon_->control_path() : path);
  c.Send(command + "\n");
  std::string reply;
  RunUntil([&] {
    char buf[4096];
    ssize_t r = ::recv(c.fd(), buf, sizeof buf, 0);
    if (r > 0) reply.append(buf, static_cast<size_t>(r));
    return r == 0 || (!reply.empty() && reply.back() == '\n');
  });
  return reply;
}

nlohmann::json DaemonHarness::Status() {
  std::string reply = Control("status");
  auto j = nlohmann::json::parse(reply, nullptr, false);
  INFO(reply);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

egd::SecureBytes DaemonHarness::FeedUntilRunning(size_t pool_bytes) {
  egd::SecureBytes fed;
  bool ok = RunUntil([&] {
    if (daemon_->device().state() == DeviceState::kRunning &&
        daemon_->pool().size() >= pool_bytes) {
      return true;
    }
    if (device->queued.size() < 4096) {
      egd::SecureBytes more = HealthyBytes(4096, seed_++);
      fed.insert(fed.end(), more.begin(), more.end());
      device->Feed(more);
    }
    return false;
  }, std::chrono::milliseconds(5000));
  REQUIRE(ok);
  return fed;
}

}  // namespace egdd
