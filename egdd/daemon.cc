#include "egdd/daemon.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <csignal>
#include <limits>

#include "common/log.h"
#include "health/startup.h"

namespace egdd {

using egd::Log;
using egd::LogLevel;
using nlohmann::json;
namespace asio = boost::asio;

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

EgdSettings SettingsFrom(const EgdConfig& c) {
  EgdSettings s;
  s.max_clients = c.max_clients;
  s.max_clients_per_address = EffectiveMaxClientsPerAddress(c);
  s.key_policy = {c.ipv4_prefix, c.ipv6_prefix};
  s.proxy_trusted_peers = c.proxy_trusted_peers;
  s.command_timeout = c.command_timeout;
  s.max_pending_output = c.max_pending_output;
  return s;
}

bool CoversLoopback(const egd::IpPrefix& p) {
  return egd::IsLoopbackAddress(p.text.substr(0, p.text.find('/'))) || p.Contains("127.0.0.1") ||
         p.Contains("::1");
}

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

bool SameSource(const Config& a, const Config& b) {
  return a.source.kind == b.source.kind && a.source.path == b.source.path &&
         a.source.offset_file == b.source.offset_file &&
         a.serial.port == b.serial.port && a.serial.baud_rate == b.serial.baud_rate;
}

// Each client is a descriptor: the soft limit (1024 under systemd) would cap
// egdd near 1000 clients whatever max_clients says. egdd never uses select(),
// so the hard limit is safe.
void RaiseFileLimit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0) Log(LogLevel::kWarning, "cannot raise RLIMIT_NOFILE");
  }
}

}  // namespace

Daemon::Daemon(asio::io_context& io, Config config)
    : io_(io),
      config_(std::move(config)),
      pool_(config_.pool.size_bytes),
      egd_(io, pool_, [this] { return EntropyBits(); }),
      control_(io, [this](const std::string& c) { return HandleControl(c); }),
      signals_(io, SIGTERM, SIGINT, SIGHUP),
      reconnect_timer_(io) {
  pool_.set_on_take([this] { RequestRead(); });
}

Daemon::~Daemon() { CloseSource(); }

egd::Status Daemon::Start() {
  RaiseFileLimit();
  egd::Status st = ApplyConfig(config_, true);
  if (!st.ok()) return st;
  WaitSignals();
  if (config_.source.autostart) Init();
  else SetState(DeviceState::kStandby, "waiting for init (autostart = false)");
  return egd::Status::Ok();
}

egd::Status Daemon::ApplyConfig(const Config& c, bool first) {
  unsigned unix_mode = 0666, control_mode = 0660;
  ParseMode(c.egd.unix_mode, &unix_mode);
  ParseMode(c.control.mode, &control_mode);
  if (auto level = egd::ParseLogLevel(c.log.level)) egd::SetLogLevel(*level);
  egd_.Apply(SettingsFrom(c.egd), c.egd.client_rate_limit, c.egd.client_burst);
  egd::Status st = egd_.Listen(c.egd.listen, unix_mode);
  if (!st.ok()) return st;
  if (first || c.control.socket != config_.control.socket || c.control.mode != config_.control.mode) {
    st = control_.Listen(c.control.socket, control_mode);
    if (!st.ok()) return st;
  }
  if (c.pool.size_bytes != pool_.capacity()) pool_.Resize(c.pool.size_bytes);
  bool source_changed = first || !SameSource(c, config_);
  bool gate_changed = first || !SameHealth(c, config_);
  bool output_changed = first || c.output.mode != config_.output.mode ||
                        c.source.entropy_per_bit != config_.source.entropy_per_bit;
  config_ = c;
  if (gate_changed) {
    if (gate_) bytes_discarded_ += gate_->pending();
    gate_ = egd::MakeSecure<egd::HealthGate>(GateParams(c), egd::Fips140StartupTest());
  }
  if (output_changed) {
    conditioner_.reset();
    if (c.output.mode == OutputMode::kConditioned) {
      conditioner_ = std::make_unique<egd::Conditioner>(c.source.entropy_per_bit);
    }
  }
  WarnAboutTrust(c);
  if (source_changed) {
    if (c.source.kind == SourceKind::kFile && c.source.offset_file.empty()) {
      Log(LogLevel::kWarning, "[source] replay = true and offset_file is not set: if egdd "
          "restarts, the capture ", c.source.path, " is replayed from its start and its bytes "
          "are served again (for tests and demos only)");
    }
    bool was_on = state_ != DeviceState::kStandby;
    CloseSource();
    MakeSource();
    if (was_on && !first) OpenSource();
  }
  RequestRead();
  return egd::Status::Ok();
}

void Daemon::WarnAboutTrust(const Config& c) const {
  for (const egd::IpPrefix& p : c.egd.proxy_trusted_peers) {
    if (!CoversLoopback(p)) continue;
    Log(LogLevel::kWarning, "[egd] proxy_trusted_peers lists ", p.text, ", a loopback address: "
        "any local process can connect from it and claim any client address in a PROXY header "
        "(a proxy:unix: listener in a group-restricted directory avoids this)");
  }
}

void Daemon::MakeSource() {
  SourceCallbacks cb{[this](std::span<const uint8_t> d) { OnData(d); },
                     [this](SourceEvent e, const std::string& why) { OnSourceEvent(e, why); }};
  source_ = egdd::MakeSource(io_, config_, std::move(cb));
  assert(source_);
}

void Daemon::OpenSource() {
  read_outstanding_ = false;
  source_eof_ = false;
  gate_->Restart();  // every power-on runs the startup test again
  if (conditioner_) conditioner_->Reset();
  egd::Status st = source_->Open();
  if (!st.ok()) {
    SetState(DeviceState::kDeviceLost, st.message());
    ScheduleReconnect();
    return;
  }
  reconnect_delay_ = std::chrono::milliseconds(500);
  SetState(DeviceState::kInitializing, source_->description() + " opened");
  RequestRead();
}

void Daemon::CloseSource() {
  reconnect_timer_.cancel();
  if (source_) source_->Close();
  read_outstanding_ = false;
  if (gate_) {
    bytes_discarded_ += gate_->pending();
    gate_->Restart();  // untested bytes never survive a power cycle
  }
}

void Daemon::RequestRead() {
  if (read_outstanding_ || source_eof_ || stopping_ || !source_) return;
  if (state_ != DeviceState::kInitializing && state_ != DeviceState::kRunning) return;
  size_t want = config_.source.read_size;
  if (!gate_->starting()) {
    // Refill in sizeable reads: a full pool drained 32 bytes at a time must not
    // turn into one tiny device read (and thread hand-off) per client request.
    // (While the startup test runs the device is read regardless: its verdict
    // decides the state, even if the pool is still full from before.)
    size_t room = pool_.free();
    size_t held = gate_->pending();
    size_t low_water = std::min(config_.source.read_size, pool_.capacity() / 4);
    if (room <= held || room - held < low_water) return;
    want = std::min(want, room - held);
  }
  read_outstanding_ = true;
  source_->Read(want);
}

void Daemon::OnData(std::span<const uint8_t> raw) {
  read_outstanding_ = false;
  bytes_received_ += raw.size();
  auto alarm = gate_->Push(raw, &passed_);  // on an alarm nothing is passed
  bytes_passed_ += passed_.size();
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
  bytes_discarded_ += ready->size() - added;
  WipeScratch();
  RequestRead();
}

void Daemon::WipeScratch() {
  egd::WipeContents(passed_);
  passed_.clear();
  egd::WipeContents(conditioned_);
  conditioned_.clear();
}

// Output stops at once: every byte not yet handed to a session is wiped (the
// pool, the untested window, a partly conditioned block) and the pool stays
// halted until the device is running again.
void Daemon::OnAlarm(const egd::HealthAlarm& alarm) {
  ++alarms_;
  ++alarm_streak_;
  bytes_discarded_ += alarm.discarded;
  size_t wiped = pool_.size();
  bytes_wiped_ += wiped;
  pool_.Halt();
  last_alarm_ = alarm.test + ": " + alarm.detail;
  Log(LogLevel::kError, "health alarm: ", last_alarm_, "; ", alarm.discarded,
      " untested and ", wiped, " pooled bytes wiped; output stopped until the device passes "
      "its startup test again");
  CloseSource();
  if (conditioner_) conditioner_->Reset();
  SetState(DeviceState::kFailed, last_alarm_);
  if (config_.health.on_alarm == AlarmPolicy::kReinit) ScheduleReinit();
}

void Daemon::ScheduleReinit() {
  // Repeated alarms without a successful start back off, up to an hour.
  auto delay = config_.health.reinit_delay;
  for (uint64_t i = 1; i < alarm_streak_ && delay < std::chrono::hours(1); ++i) delay *= 2;
  delay = std::min<std::chrono::milliseconds>(delay, std::chrono::hours(1));
  Log(LogLevel::kNotice, "re-initialising in ", delay.count(), " ms (on_alarm = reinit)");
  reconnect_timer_.expires_after(delay);
  reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_ || state_ != DeviceState::kFailed) return;
    OpenSource();
  });
}

void Daemon::OnSourceEvent(SourceEvent event, const std::string& why) {
  read_outstanding_ = false;
  if (event == SourceEvent::kEof) {
    source_eof_ = true;
    bytes_discarded_ += gate_->pending();
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

void Daemon::ScheduleReconnect() {
  reconnect_timer_.expires_after(reconnect_delay_);
  reconnect_delay_ = std::min(reconnect_delay_ * 2, std::chrono::milliseconds(5000));
  reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_ || state_ != DeviceState::kDeviceLost) return;
    ++reconnects_;
    OpenSource();
  });
}

void Daemon::SetState(DeviceState state, const std::string& why) {
  if (state != state_) {
    Log(LogLevel::kNotice, "device state ", DeviceStateName(state_), " -> ",
        DeviceStateName(state), ": ", why);
  }
  state_ = state;
  state_reason_ = why;
}

uint32_t Daemon::EntropyBits() const {
  // Nothing is advertised while output is stopped, whatever the pool holds.
  if (pool_.halted() || state_ == DeviceState::kFailed) return 0;
  size_t available = pool_.size() - std::min(pool_.size(), pool_.reserved());
  // Conditioned output is full entropy; raw bytes carry what was assessed.
  double per_bit = conditioner_ ? 1.0 : config_.source.entropy_per_bit;
  double bits = static_cast<double>(available) * 8.0 * per_bit;
  return static_cast<uint32_t>(std::min(bits, double{std::numeric_limits<uint32_t>::max()}));
}

void Daemon::WaitSignals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      Reload();
      WaitSignals();
      return;
    }
    Log(LogLevel::kNotice, "signal ", sig, ": stopping");
    Terminate();
  });
}

void Daemon::Reload() {
  Config fresh;
  egd::Status st = LoadConfig(config_.file, &fresh);
  if (!st.ok()) {
    Log(LogLevel::kError, "reload failed, keeping the running configuration: ", st.message());
    return;
  }
  st = ApplyConfig(fresh, false);
  if (!st.ok()) Log(LogLevel::kError, "reload: ", st.message());
  else Log(LogLevel::kNotice, "configuration reloaded from ", config_.file);
}

void Daemon::Terminate() {
  stopping_ = true;
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  CloseSource();
  egd_.Stop();
  control_.Stop();
}

}  // namespace egdd
