// Device: egdd's source behind its health gate, and the device state machine:
//
//   standby --init--> initializing --first chunk passes--> running
//   initializing/running --health alarm--> failed  (output stopped; init, or
//                          on_alarm = reinit after a growing delay, restarts)
//   initializing/running --device gone--> device_lost --reopened--> initializing
//   any but standby --shutdown--> standby; restart = shutdown + init (from
//   standby: init)
//
// Output: an alarm halts the pool at once (common to every state until the
// device is running again: `00` answers 0, `01` returns nothing, `02` readers
// stay queued and get fresh bytes after the startup test passed); the pool,
// the health window, the conditioner state and the scratch buffers are
// wiped. Standby and device_lost keep serving what the pool holds: those
// bytes passed every test. Every buffer holding entropy is secure memory.
//
// Credit (docs/health-tests.md "Honest entropy"): every raw bit is credited
// the min-entropy egdd's own SP 800-90B assessment of the device found
// (egdd/assessment.h), lowered to [source] entropy_per_bit, or that value as
// is when entropy_certified says it comes from an external certificate.
// Without an assessment nothing is credited or served: after the source is
// switched on, the first assessment.samples raw samples go to an Assessor (only
// the stuck test applies to them; they are never served), the assessment runs
// on a worker thread, and its result is stored in the state directory keyed
// by the device's identity, so a restart finds it. The health gate (RCT/APT
// cutoffs, the total failure limit, the startup test) and the conditioner are
// built from the credited value. `assess` (egdctl) starts a new assessment
// while the pool keeps serving; a device with another identity is assessed
// anew (or its stored result used).
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
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/secure_memory.h"
#include "egdd/assessment.h"
#include "egdd/assessor.h"
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
    uint64_t bytes_assessed = 0;   // raw bytes taken by entropy assessments (never served)
    uint64_t alarms = 0;
    std::map<std::string, uint64_t> alarms_by_test;  // HealthAlarm::test -> alarms
    uint64_t reconnects = 0;
    std::string last_alarm;       // "test: detail"
    std::string last_alarm_test;  // HealthAlarm::test
    std::chrono::system_clock::time_point last_alarm_at{};  // the epoch: none yet
  };
  // What the state machine reads from the configuration.
  struct Settings {
    SourceConfig source;
    HealthConfig health;
    AssessmentConfig assessment;
    OutputMode output = OutputMode::kRaw;
    int bits_per_sample = 8;  // of an assessment (EffectiveBitsPerSample)
  };
  // Built by Prepare; Commit swaps in what is set.
  struct Next {
    Settings settings;
    std::unique_ptr<Source> source;  // null: the running one stays
    bool new_credit = false;         // a new gate and conditioner (health or credit changed)
  };

  static std::shared_ptr<Device> Create(boost::asio::io_context& io, Pool& pool,
                                        SourceFactory factory);
  Device(boost::asio::io_context& io, Pool& pool, SourceFactory factory);  // use Create
  // The device fills (and on an alarm wipes) the pool's `lane` alone. Called
  // once, before the first Commit (a reload's new source gets its lane then).
  void AttachLane(Pool::LaneId lane);
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
  // `egdctl assess`: a new assessment of the running device.
  Outcome Assess();
  void Stop();  // egdd is stopping: source closed, timers cancelled
  // Asks the source for bytes if the pool has room (the pool calls it).
  void RequestRead();

  DeviceState state() const { return state_; }
  const std::string& reason() const { return reason_; }
  // When the state last changed (wall clock, for people).
  std::chrono::system_clock::time_point state_since() const { return state_since_; }
  // Time left until the automatic re-init of a failed device; none when the
  // device is not failed or on_alarm = stay.
  std::optional<std::chrono::steady_clock::duration> reinit_in() const;
  const Source* source() const { return source_.get(); }
  bool source_eof() const { return source_eof_; }
  bool conditioned() const { return settings_.output == OutputMode::kConditioned; }
  // Min-entropy credited per raw bit: 0 until the device is assessed.
  double entropy_per_bit() const;
  double configured_entropy_per_bit() const { return settings_.source.entropy_per_bit; }
  bool certified() const { return settings_.source.entropy_certified; }
  // Min-entropy credited per output bit (conditioned: SP 800-90B 3.1.5.1.2).
  double output_entropy_per_bit() const;
  const std::optional<Assessment>& assessment() const { return assessment_; }
  const Assessor* assessor() const { return assessor_.get(); }
  const egd::HealthGate& gate() const { return *gate_; }
  const std::string& assessment_problem() const { return assessment_problem_; }
  const Counters& counters() const { return counters_; }
  uint64_t chunks_tested() const { return gate_ ? gate_->chunks_tested() : 0; }
  // Per health test, over every gate this device has had (a new credit builds a new one).
  egd::HealthStats health_stats() const;
  // This device's part of the answer to `00` (the daemon sums them): the
  // credit of its lane's bytes times the pool's unreserved share; nothing
  // while output is stopped.
  double EntropyBits() const;
  Pool::LaneId lane() const { return lane_; }
  const std::string& name() const { return settings_.source.name; }
  // Called after every change of state (the daemon derives its own from all devices).
  void set_on_state(std::function<void()> on_state) { on_state_ = std::move(on_state); }
  // Log lines start with "source NAME: " (set when the daemon has several sources).
  void set_log_prefix(std::string prefix) { log_prefix_ = std::move(prefix); }

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
  void LoadOrAssess();
  void BeginAssessment(const std::string& why);
  bool Divert(std::span<const uint8_t>* raw);
  void OnAssessed(Assessment a);
  void RebuildCredit();

  boost::asio::io_context& io_;
  Pool& pool_;
  Pool::LaneId lane_ = 0;
  bool attached_ = false;
  SourceFactory factory_;
  std::function<void()> on_state_;
  std::string log_prefix_;
  Settings settings_;
  DeviceState state_ = DeviceState::kStandby;
  std::string reason_;
  std::chrono::system_clock::time_point state_since_ = std::chrono::system_clock::now();
  std::optional<std::chrono::steady_clock::time_point> reinit_at_;  // while failed
  std::unique_ptr<Source> source_;
  egd::SecureUnique<egd::HealthGate> gate_;  // in secure memory: its test state holds raw bytes
  std::unique_ptr<egd::Conditioner> conditioner_;  // conditioned output with credit only
  std::string identity_;                   // of the source opened last
  std::optional<Assessment> assessment_;   // of identity_
  std::unique_ptr<Assessor> assessor_;     // an assessment in progress
  std::string assessment_problem_;         // why the last store load or save failed
  boost::asio::steady_timer timer_;  // reconnect (device_lost) or reinit (failed)
  std::chrono::milliseconds reconnect_delay_{500};
  uint64_t alarm_streak_ = 0;  // alarms since the device last reached running
  bool read_outstanding_ = false;
  bool source_eof_ = false;
  bool stopping_ = false;
  egd::SecureBytes passed_;       // scratch: bytes that passed the gate (wiped after use)
  egd::SecureBytes conditioned_;  // scratch: conditioner output (wiped after use)
  Counters counters_;
  egd::HealthStats retired_health_;  // of the gates RebuildCredit replaced
};

}  // namespace egdd
