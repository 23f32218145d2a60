// Daemon: egdd's lifecycle on one io_context. It owns the parts — the pool,
// one device per configured source (source, health gate, state machine:
// egdd/device.h), each filling its own lane of the pool, the EGD server, the
// control socket and its replies — and starts, reloads and stops them. Signals are the caller's (main wires egd::SignalLoop to Reload and
// Terminate), and the source comes from a factory, so tests drive a whole
// daemon in-process with a simulated device.
//
// Start and every reload run the same two steps:
//   prepare  build and bind everything the configuration changes while the
//            running parts keep serving: new EGD listeners, a control socket
//            at a new path, a new source (opened while the device is on), a
//            new health gate or conditioner, a new pool ring, the limits and
//            the log level. The first error stops here; what was built is
//            dropped (its sockets closed, their files removed), and nothing
//            at all has changed.
//   commit   swap them in and retire the old parts: listeners no longer
//            configured close, the old control socket closes, the old source
//            is switched off and dropped. Nothing here can fail.
// The configuration in force (config()) changes only with a commit. Errors
// are logged as "file:line: message" (the line of the key concerned).
// Restart-only keys (config.h: KeepRestartOnly) keep their running value and
// are named in a warning. Client connections are never closed by a reload.
// Sources are matched by name: a reload may change one, add one (a new
// device and lane; initialised with autostart) or remove one (stopped, its
// lane wiped).
//
// State (state()): with one source, that device's; with several, `degraded`
// while at least one runs and another is failed or lost, else the most
// serving state of any (running, initializing, device_lost, failed, standby).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/log.h"
#include "common/status.h"
#include "egdd/config.h"
#include "egdd/control_replies.h"
#include "egdd/control_server.h"
#include "egdd/device.h"
#include "egdd/egd_server.h"
#include "egdd/pool.h"
#include "egdd/source.h"

namespace egdd {

class Daemon {
 public:
  Daemon(boost::asio::io_context& io, Config config, SourceFactory sources);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Binds the listeners and the control socket and, with autostart,
  // initialises the device. An error here is fatal for startup.
  egd::Status Start();
  // SIGHUP: loads config().file again; prepare, then commit. The result is
  // logged; it is returned for tests.
  egd::Status Reload();
  // SIGTERM: closes everything, so io_context::run() returns.
  void Terminate();

  const Config& config() const { return config_; }
  Device& device() { return *devices_.front(); }  // the first source's
  const std::vector<std::shared_ptr<Device>>& devices() const { return devices_; }
  // The answer to `00`: the credit of every running lane's unreserved bytes.
  uint32_t EntropyBits() const;
  const Pool& pool() const { return pool_; }
  const EgdServer& egd() const { return egd_; }
  std::string control_path() const { return control_ ? control_->path() : ""; }

 private:
  struct Next;  // everything a reload builds before it commits
  egd::Status Prepare(const Config& next, Next* out);
  egd::Status PrepareSources(const Config& next, Next* out);
  void Commit(Next next);
  void CommitSources(Next& next);
  std::shared_ptr<Device> NewDevice();
  void OnDeviceState();
  void Warn(const Config& c, bool source_changed) const;

  boost::asio::io_context& io_;
  Config config_;
  SourceFactory factory_;
  Pool pool_;
  std::vector<std::shared_ptr<Device>> devices_;  // in configuration order
  std::string last_state_;  // the daemon's state last logged
  EgdServer egd_;
  ControlReplies replies_;
  // Held here only: control sessions hold a weak_ptr (no answer once egdd is gone).
  std::shared_ptr<const ControlServer::Handler> control_handler_;
  std::shared_ptr<ControlServer> control_;
  bool stopping_ = false;
};

}  // namespace egdd
