// DaemonHarness: a whole egdd in the test's thread (test support, linked into
// egdd_test only): a Daemon on its own io_context with a FakeDevice as source,
// listening on unix sockets in a temporary directory, and blocking helpers
// that run the io_context while they wait: EGD clients, control commands,
// configuration rewrites and reloads.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "common/secure_memory.h"
#include "egdd/daemon.h"
#include "egdd/fake_source.h"

namespace egdd {

// Deterministic bytes that pass egdd's health tests (a fixed-seed generator).
egd::SecureBytes HealthyBytes(size_t n, uint64_t seed = 1);

class DaemonHarness;

// A blocking EGD client on a unix socket; its waits run the daemon's io_context.
class EgdClient {
 public:
  EgdClient(DaemonHarness& h, const std::string& path);
  ~EgdClient();
  EgdClient(EgdClient&& other) noexcept : h_(other.h_), fd_(other.fd_) { other.fd_ = -1; }

  void Send(const std::string& bytes);
  // Up to n bytes, waiting at most `wait` for all of them.
  std::string Recv(size_t n, std::chrono::milliseconds wait = std::chrono::milliseconds(3000));
  bool Closed(std::chrono::milliseconds wait = std::chrono::milliseconds(200));  // EOF seen
  uint32_t EntropyCount();                 // 00
  std::string ReadNonBlocking(uint8_t n);  // 01 n
  int fd() const { return fd_; }

 private:
  DaemonHarness& h_;
  int fd_;
};

// Configuration keys as "section.key" -> TOML value ("3", "\"text\"").
using Keys = std::map<std::string, std::string>;

class DaemonHarness {
 public:
  // The base configuration (EGD and control sockets in the directory, log
  // level error, reinit after 100 ms) with `keys` over it; a "source" key
  // (an array of inline tables) replaces the base's source.* keys. The source is a
  // FakeSource on `device`, or with real_sources the configured kind.
  explicit DaemonHarness(const Keys& keys = {}, bool start = true, bool real_sources = false);
  ~DaemonHarness();

  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& config_path() const { return config_path_; }
  // The base configuration with `keys` over it, as TOML (dotted keys).
  std::string ConfigText(const Keys& keys) const;
  void WriteConfig(const std::string& text);
  egd::Status Reload() { return daemon_->Reload(); }

  egd::Status Start() { return daemon_->Start(); }
  // Runs the io_context until pred() holds (true) or `timeout` passes (false).
  bool RunUntil(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
  void RunFor(std::chrono::milliseconds d);

  EgdClient Connect(const std::string& path = "");  // default: the first EGD socket
  std::string Control(const std::string& command, const std::string& path = "");
  nlohmann::json Status();
  std::string State() { return Status()["state"]; }

  // Feeds healthy bytes until the device runs and the pool holds `pool_bytes`.
  egd::SecureBytes FeedUntilRunning(size_t pool_bytes = 256);

  boost::asio::io_context io;
  std::shared_ptr<FakeDevice> device;  // the source on /fake/1
  // With a "source" key (several sources), each path but /fake/1 gets its own
  // FakeDevice here; without one, every source is on `device`.
  std::shared_ptr<FakeDevices> devices = std::make_shared<FakeDevices>();
  Daemon& daemon() { return *daemon_; }

 private:
  std::string dir_;
  std::string config_path_;
  std::unique_ptr<Daemon> daemon_;
  uint64_t seed_ = 100;
};

}  // namespace egdd
