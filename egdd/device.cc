#include "egdd/device.h"

#include <algorithm>
#include <cassert>
#include <limits>

#include "common/log.h"
#include "health/startup.h"

namespace egdd {

using egd::Log;
using egd::LogLevel;

std::string_view DeviceStateName(DeviceState state) {
  switch (state) {
    case DeviceState::kStandby: return "standby";
    case DeviceState::kInitializing: return "initializing";
    case DeviceState::kRunning: return "running";
    case DeviceState::kFailed: return "failed";
    case DeviceState::kDeviceLost: return "device_lost";
  }
  return "unknown";
}

namespace {

egd::HealthParams GateParams(const Config& c) {
  egd::HealthParams p;
  p.total_failure = {c.health.total_failure_chunk, c.health.total_failure_max_identical};
  p.continuous = {c.health.sample, c.source.entropy_per_bit, c.health.alpha_exponent};
  p.startup_bytes = c.health.startup_test ? p.startup_bytes : 0;
  return p;
}

bool SameHealth(const Config& a, const Config& b) {
  const HealthConfig &x = a.health, &y = b.health;
  return x.total_failure_chunk == y.total_failure_chunk &&
         x.total_failure_max_identical == y.total_failure_max_identical &&
         x.sample == y.sample && x.alpha_exponent == y.alpha_exponent &&
         x.startup_test == y.startup_test &&
         a.source.entropy_per_bit == b.source.entropy_per_bit;
}

}  // namespace

std::shared_ptr<Device> Device::Create(boost::asio::io_context& io, Pool& pool,
                                       SourceFactory factory) {
  return std::make_shared<Device>(io, pool, std::move(factory));
}

Device::Device(boost::asio::io_context& io, Pool& pool, SourceFactory factory)
    : pool_(pool), factory_(std::move(factory)), timer_(io) {
  pool_.set_on_take([this] { RequestRead(); });
}

Device::~Device() {
  pool_.set_on_take(nullptr);
  Stop();
}

bool Device::On() const {
  return state_ == DeviceState::kInitializing || state_ == DeviceState::kRunning ||
         state_ == DeviceState::kDeviceLost;
}

egd::Status Device::Prepare(const Config& running, const Config& next, Next* out) {
  bool first = !source_;
  out->settings = {next.source.read_size, next.source.entropy_per_bit, next.health.on_alarm,
                   next.health.reinit_delay};
  if (first || !SameSource(running, next)) {
    SourceCallbacks cb{[this](std::span<const uint8_t> d) { OnData(d); },
                       [this](SourceEvent e, const std::string& why) { OnSourceEvent(e, why); }};
    out->source = factory_(next, std::move(cb));
    assert(out->source);
    if (!first && On()) {
      egd::Status st = out->source->Open();
      if (!st.ok()) {
        std::string key = next.source.kind == SourceKind::kSerial ? "serial.port" : "source.path";
        return egd::Status::Error(AtKey(next, {key, "source.kind"}, key + ": " + st.message()));
      }
    }
  }
  if (first || !SameHealth(running, next)) {
    out->gate = egd::MakeSecure<egd::HealthGate>(GateParams(next), egd::Fips140StartupTest());
  }
  if (first || next.output.mode != running.output.mode ||
      next.source.entropy_per_bit != running.source.entropy_per_bit) {
    out->new_conditioner = true;
    if (next.output.mode == OutputMode::kConditioned) {
      out->conditioner = std::make_unique<egd::Conditioner>(next.source.entropy_per_bit);
    }
  }
  return egd::Status::Ok();
}

void Device::Commit(Next next) {
  settings_ = next.settings;
  bool running = state_ == DeviceState::kInitializing || state_ == DeviceState::kRunning;
  bool on = On();
  bool new_gate = next.gate != nullptr;
  if (new_gate) {
    if (gate_) counters_.bytes_discarded += gate_->pending();
    gate_ = std::move(next.gate);
  }
  if (next.new_conditioner) conditioner_ = std::move(next.conditioner);
  if (next.source) {
    bool first = !source_;
    if (source_) source_->Close();  // its late results are dropped
    source_ = std::move(next.source);
    read_outstanding_ = false;
    source_eof_ = false;
    if (on) {
      timer_.cancel();
      SwitchOn(source_->description() + " opened (configuration reloaded)");
    }
    if (!first) Log(LogLevel::kNotice, "source is now ", source_->description());
  } else if (new_gate && running) {
    SetState(DeviceState::kInitializing, "health tests changed by a reload: startup test again");
  }
}

Device::Outcome Device::Init() {
  if (state_ == DeviceState::kInitializing || state_ == DeviceState::kRunning) {
    return {false, "already_initialized", "System already initialized"};
  }
  if (state_ == DeviceState::kDeviceLost) {
    return {false, "device_lost", "Device lost; reconnecting: " + reason_};
  }
  CloseSource();  // from failed: a fresh start with an empty test window
  OpenSource();
  if (state_ == DeviceState::kDeviceLost) {
    return {false, "device_lost", "Initialization failed: " + reason_};
  }
  return {true, "", "System initialised successfully"};
}

Device::Outcome Device::Shutdown() {
  if (state_ == DeviceState::kStandby) return {false, "already_shut_down", "System already shut down"};
  CloseSource();
  SetState(DeviceState::kStandby, "shut down by operator");
  return {true, "", "System successfully shutdown"};
}

Device::Outcome Device::Restart() {
  if (state_ == DeviceState::kStandby) {
    return {false, "not_initialized", "System is in standby; use init"};
  }
  CloseSource();
  SetState(DeviceState::kStandby, "restarting");
  Outcome r = Init();
  if (r.ok) r.message = "System successfully restarted";
  return r;
}

void Device::Stop() {
  stopping_ = true;
  CloseSource();
}

void Device::OpenSource() {
  read_outstanding_ = false;
  source_eof_ = false;
  egd::Status st = source_->Open();
  if (!st.ok()) {
    SetState(DeviceState::kDeviceLost, st.message());
    ScheduleReconnect();
    return;
  }
  SwitchOn(source_->description() + " opened");
}

// The source is open: every power-on runs the startup test again.
void Device::SwitchOn(const std::string& why) {
  reconnect_delay_ = std::chrono::milliseconds(500);
  gate_->Restart();
  if (conditioner_) conditioner_->Reset();
  source_->Start();
  SetState(DeviceState::kInitializing, why);
  RequestRead();
}

void Device::CloseSource() {
  timer_.cancel();
  if (source_) source_->Close();
  read_outstanding_ = false;
  if (gate_) {
    counters_.bytes_discarded += gate_->pending();
    gate_->Restart();  // untested bytes never survive a power cycle
  }
}

void Device::RequestRead() {
  if (read_outstanding_ || source_eof_ || stopping_ || !source_) return;
  if (state_ != DeviceState::kInitializing && state_ != DeviceState::kRunning) return;
  size_t want = settings_.read_size;
  if (!gate_->starting()) {
    // Refill in sizeable reads: a full pool drained 32 bytes at a time must not
    // turn into one tiny device read (and thread hand-off) per client request.
    // (While the startup test runs the device is read regardless: its verdict
    // decides the state, even if the pool is still full from before.)
    size_t room = pool_.free();
    size_t held = gate_->pending();
    size_t low_water = std::min(settings_.read_size, pool_.capacity() / 4);
    if (room <= held || room - held < low_water) return;
    want = std::min(want, room - held);
  }
  read_outstanding_ = true;
  source_->Read(want);
}

void Device::OnData(std::span<const uint8_t> raw) {
  read_outstanding_ = false;
  counters_.bytes_received += raw.size();
  auto alarm = gate_->Push(raw, &passed_);  // on an alarm nothing is passed
  counters_.bytes_passed += passed_.size();
  if (alarm) {
    WipeScratch();
    return OnAlarm(*alarm);
  }
  if (!gate_->starting() && state_ == DeviceState::kInitializing) {
    SetState(DeviceState::kRunning, "startup tests passed");
    alarm_streak_ = 0;
    if (pool_.halted()) {
      Log(LogLevel::kNotice, "output resumed: the device passed its startup test");
      pool_.Resume();
    }
  }
  egd::SecureBytes* ready = &passed_;
  if (conditioner_) {
    conditioner_->Push(passed_, &conditioned_);
    ready = &conditioned_;
  }
  size_t added = pool_.Add(*ready);
  counters_.bytes_discarded += ready->size() - added;
  WipeScratch();
  RequestRead();
}

void Device::WipeScratch() {
  egd::WipeContents(passed_);
  passed_.clear();
  egd::WipeContents(conditioned_);
  conditioned_.clear();
}

// Output stops at once: every byte not yet handed to a session is wiped (the
// pool, the untested window, a partly conditioned block) and the pool stays
// halted until the device is running again.
void Device::OnAlarm(const egd::HealthAlarm& alarm) {
  ++counters_.alarms;
  ++alarm_streak_;
  counters_.bytes_discarded += alarm.discarded;
  size_t wiped = pool_.size();
  counters_.bytes_wiped += wiped;
  pool_.Halt();
  counters_.last_alarm = alarm.test + ": " + alarm.detail;
  Log(LogLevel::kError, "health alarm: ", counters_.last_alarm, "; ", alarm.discarded,
      " untested and ", wiped, " pooled bytes wiped; output stopped until the device passes "
      "its startup test again");
  CloseSource();
  if (conditioner_) conditioner_->Reset();
  SetState(DeviceState::kFailed, counters_.last_alarm);
  if (settings_.on_alarm == AlarmPolicy::kReinit) ScheduleReinit();
}

void Device::ScheduleReinit() {
  // Repeated alarms without a successful start back off, up to an hour.
  auto delay = settings_.reinit_delay;
  for (uint64_t i = 1; i < alarm_streak_ && delay < std::chrono::hours(1); ++i) delay *= 2;
  delay = std::min<std::chrono::milliseconds>(delay, std::chrono::hours(1));
  Log(LogLevel::kNotice, "re-initialising in ", delay.count(), " ms (on_alarm = reinit)");
  timer_.expires_after(delay);
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec || self->stopping_ || self->state_ != DeviceState::kFailed) return;
    self->OpenSource();
  });
}

void Device::OnSourceEvent(SourceEvent event, const std::string& why) {
  read_outstanding_ = false;
  if (event == SourceEvent::kEof) {
    source_eof_ = true;
    counters_.bytes_discarded += gate_->pending();
    Log(LogLevel::kNotice, "source finished: ", why, "; ", gate_->pending(),
        " untested trailing bytes discarded");
    gate_->Restart();
    return;
  }
  Log(LogLevel::kWarning, "source lost: ", why);
  CloseSource();
  SetState(DeviceState::kDeviceLost, why);
  ScheduleReconnect();
}

void Device::ScheduleReconnect() {
  timer_.expires_after(reconnect_delay_);
  reconnect_delay_ = std::min(reconnect_delay_ * 2, std::chrono::milliseconds(5000));
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec || self->stopping_ || self->state_ != DeviceState::kDeviceLost) return;
    ++self->counters_.reconnects;
    self->OpenSource();
  });
}

void Device::SetState(DeviceState state, const std::string& why) {
  if (state != state_) {
    Log(LogLevel::kNotice, "device state ", DeviceStateName(state_), " -> ",
        DeviceStateName(state), ": ", why);
  }
  state_ = state;
  reason_ = why;
}

uint32_t Device::EntropyBits() const {
  // Nothing is advertised while output is stopped, whatever the pool holds.
  if (pool_.halted() || state_ == DeviceState::kFailed) return 0;
  size_t available = pool_.size() - std::min(pool_.size(), pool_.reserved());
  // Conditioned output is full entropy; raw bytes carry what was assessed.
  double per_bit = conditioner_ ? 1.0 : settings_.entropy_per_bit;
  double bits = static_cast<double>(available) * 8.0 * per_bit;
  return static_cast<uint32_t>(std::min(bits, double{std::numeric_limits<uint32_t>::max()}));
}

}  // namespace egdd
