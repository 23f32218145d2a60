// Device: egdd's source behind its health gate, and the device state machine:
//
//   standby --init--> initializing --first chunk passes--> running
//   initializing/running --health alarm--> failed  (output stopped; init, or
//                          on_alarm = reinit after a growing delay, restarts)
//   initializing/running --device gone--> device_lost --reopened--> initializing
//   any but standby --shutdown--> standby; restart = shutdown + init
//
// Output: an alarm halts the pool at once (common to every state until the
// device is running again: `00` answers 0, `01` returns nothing, `02` readers
// stay queued and get fresh bytes after the startup test passed); the pool,
// the health window, the conditioner state and the scratch buffers are
// wiped. Standby and device_lost keep serving what the pool holds: those
// bytes passed every test. Every buffer holding entropy is secure memory.
//
// Reload (prepare, then commit): Prepare builds what a new configuration
// changes — a new source when [source] or [serial] names another device
// (opened at once while the device is on, i.e. initializing, running or
// device_lost, so a missing device fails the reload; only constructed in
// standby and failed, where init or the reinit timer opens it), a new health
// gate when [health] or entropy_per_bit changed, a new conditioner when the
// output changed — and touches nothing running. Commit swaps them in: the old
// source is closed and dropped, the new one switched on (state initializing:
// its startup test runs). A new gate while the device runs also means a new
// startup test.
//
// Lifetime: owned by a shared_ptr (Create); its timer handlers hold a
// weak_ptr and lock it first. Single-threaded (io_context thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/secure_memory.h"
#include "egdd/config.h"
#include "egdd/pool.h"
#include "egdd/source.h"
#include "health/conditioner.h"
#include "health/health.h"

namespace egdd {

enum class DeviceState { kStandby, kInitializing, kRunning, kFailed, kDeviceLost };
std::string_view DeviceStateName(DeviceState state);

class Device : public std::enable_shared_from_this<Device> {
 public:
  // The result of a control operation; `error` names the refusal
  // (already_initialized, already_shut_down, not_initialized, device_lost).
  struct Outcome {
    bool ok = true;
    std::string error;
    std::string message;
  };
  struct Counters {
    uint64_t bytes_received = 0;   // raw bytes from the source
    uint64_t bytes_passed = 0;     // raw bytes that passed the health tests
    uint64_t bytes_discarded = 0;  // tested bytes that did not fit, or alarm windows
    uint64_t bytes_wiped = 0;      // pooled bytes wiped by alarms
    uint64_t alarms = 0;
    uint64_t reconnects = 0;
    std::string last_alarm;
  };
  // What the state machine reads from the configuration.
  struct Settings {
    size_t read_size = 4096;
    double entropy_per_bit = 1.0;
    AlarmPolicy on_alarm = AlarmPolicy::kReinit;
    std::chrono::milliseconds reinit_delay{10000};
  };
  // Built by Prepare; Commit swaps in what is set.
  struct Next {
    Settings settings;
    std::unique_ptr<Source> source;                // null: the running one stays
    egd::SecureUnique<egd::HealthGate> gate;       // null: the running one stays
    bool new_conditioner = false;
    std::unique_ptr<egd::Conditioner> conditioner;  // with new_conditioner; null = raw output
  };

  static std::shared_ptr<Device> Create(boost::asio::io_context& io, Pool& pool,
                                        SourceFactory factory);
  Device(boost::asio::io_context& io, Pool& pool, SourceFactory factory);  // use Create
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // `running` is the configuration in force (ignored before the first
  // Commit, when everything is built). Errors read "file:line: key: ...".
  egd::Status Prepare(const Config& running, const Config& next, Next* out);
  void Commit(Next next);

  Outcome Init();
  Outcome Shutdown();
  Outcome Restart();
  void Stop();  // egdd is stopping: source closed, timers cancelled
  // Asks the source for bytes if the pool has room (the pool calls it).
  void RequestRead();

  DeviceState state() const { return state_; }
  const std::string& reason() const { return reason_; }
  const Source* source() const { return source_.get(); }
  bool source_eof() const { return source_eof_; }
  bool conditioned() const { return conditioner_ != nullptr; }
  double entropy_per_bit() const { return settings_.entropy_per_bit; }
  const Counters& counters() const { return counters_; }
  uint64_t chunks_tested() const { return gate_ ? gate_->chunks_tested() : 0; }
  // The answer to `00`: nothing while output is stopped.
  uint32_t EntropyBits() const;

 private:
  bool On() const;
  void OpenSource();
  void SwitchOn(const std::string& why);
  void CloseSource();
  void OnData(std::span<const uint8_t> raw);
  void OnSourceEvent(SourceEvent event, const std::string& why);
  void OnAlarm(const egd::HealthAlarm& alarm);
  void ScheduleReconnect();
  void ScheduleReinit();
  void SetState(DeviceState state, const std::string& why);
  void WipeScratch();

  Pool& pool_;
  SourceFactory factory_;
  Settings settings_;
  DeviceState state_ = DeviceState::kStandby;
  std::string reason_;
  std::unique_ptr<Source> source_;
  egd::SecureUnique<egd::HealthGate> gate_;  // in secure memory: its test state holds raw bytes
  std::unique_ptr<egd::Conditioner> conditioner_;  // conditioned output mode only
  boost::asio::steady_timer timer_;  // reconnect (device_lost) or reinit (failed)
  std::chrono::milliseconds reconnect_delay_{500};
  uint64_t alarm_streak_ = 0;  // alarms since the device last reached running
  bool read_outstanding_ = false;
  bool source_eof_ = false;
  bool stopping_ = false;
  egd::SecureBytes passed_;       // scratch: bytes that passed the gate (wiped after use)
  egd::SecureBytes conditioned_;  // scratch: conditioner output (wiped after use)
  Counters counters_;
};

}  // namespace egdd
