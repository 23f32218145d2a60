// Daemon: egdd's whole process on one io_context — source, health gate, pool,
// EGD server, control socket and signals — and the device state machine:
//
//   standby --init--> initializing --first chunk passes--> running
//   initializing/running --health alarm--> failed  (output stopped; init, or
//                          on_alarm = reinit after a growing delay, restarts)
//
// Output: an alarm halts the pool at once (common to every state until the
// device is running again: `00` answers 0, `01` returns nothing, `02` readers
// stay queued and get fresh bytes after the startup test passed); the pool,
// the health window, the conditioner state and the scratch buffers are
// wiped. Standby and device_lost keep serving what the pool holds: those
// bytes passed every test. Every buffer holding entropy is secure memory.
//   initializing/running --device gone--> device_lost --reopened--> initializing
//   any but standby --shutdown--> standby; restart = shutdown + init
//
// SIGTERM/SIGINT stop everything so io_context::run() returns; SIGHUP reloads
// the configuration file without closing client connections.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "common/secure_memory.h"
#include "health/conditioner.h"
#include "health/health.h"
#include "egdd/config.h"
#include "egdd/control_server.h"
#include "egdd/egd_server.h"
#include "egdd/pool.h"
#include "egdd/source.h"

namespace egdd {

enum class DeviceState { kStandby, kInitializing, kRunning, kFailed, kDeviceLost };
std::string_view DeviceStateName(DeviceState state);

class Daemon {
 public:
  Daemon(boost::asio::io_context& io, Config config);
  ~Daemon();

  // Opens listeners and the control socket, installs signal handlers and, with
  // autostart, initialises the device. Errors here are fatal for startup.
  egd::Status Start();

  // Control operations; each returns the JSON reply for egdctl.
  nlohmann::json Init();
  nlohmann::json Shutdown();
  nlohmann::json Restart();
  nlohmann::json StatusJson() const;
  nlohmann::json StatsJson() const;
  std::string HandleControl(const std::string& command);

  void Reload();
  void Terminate();

 private:
  egd::Status ApplyConfig(const Config& config, bool first);
  void MakeSource();
  void OpenSource();
  void CloseSource();
  void RequestRead();
  void OnData(std::span<const uint8_t> raw);
  void OnSourceEvent(SourceEvent event, const std::string& why);
  void OnAlarm(const egd::HealthAlarm& alarm);
  void ScheduleReconnect();
  void ScheduleReinit();
  void SetState(DeviceState state, const std::string& why);
  uint32_t EntropyBits() const;
  void WipeScratch();
  void WarnAboutTrust(const Config& c) const;
  void WaitSignals();
  nlohmann::json Reply(bool ok, const std::string& error, const std::string& message) const;

  boost::asio::io_context& io_;
  Config config_;
  DeviceState state_ = DeviceState::kStandby;
  std::unique_ptr<Source> source_;
  egd::SecureUnique<egd::HealthGate> gate_;  // in secure memory: its test state holds raw bytes
  std::unique_ptr<egd::Conditioner> conditioner_;  // conditioned output mode only
  Pool pool_;
  EgdServer egd_;
  ControlServer control_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer reconnect_timer_;
  std::chrono::milliseconds reconnect_delay_{500};
  bool read_outstanding_ = false;
  bool source_eof_ = false;
  bool stopping_ = false;
  egd::SecureBytes passed_;       // scratch: bytes that passed the gate (wiped after use)
  egd::SecureBytes conditioned_;  // scratch: conditioner output (wiped after use)
  uint64_t bytes_received_ = 0;  // raw bytes from the source
  uint64_t bytes_passed_ = 0;    // raw bytes that passed the health tests
  uint64_t bytes_discarded_ = 0; // tested bytes that did not fit, or alarm windows
  uint64_t bytes_wiped_ = 0;     // pooled bytes wiped by alarms
  uint64_t alarms_ = 0;
  uint64_t alarm_streak_ = 0;  // alarms since the device last reached running
  uint64_t reconnects_ = 0;
  std::string last_alarm_;
  std::string state_reason_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace egdd
