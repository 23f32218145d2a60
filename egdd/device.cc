#include "egdd/device.h"

#include <algorithm>
#include <cassert>
#include <limits>

#include "common/log.h"
#include "health/health_math.h"
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

// The gate for a source credited `per_bit` (> 0): RCT/APT cutoffs from it, the
// total failure limit from its most likely byte (health/health_math.h), and
// the startup test of SP 800-90B 4.3: the continuous tests over the first
// 1,024 samples before anything is released, plus the FIPS 140-2 block tests
// on the first 20,000 bits where the source is near full entropy (`fips`).
egd::HealthParams GateParams(const Device::Settings& s, double per_bit, bool fips) {
  egd::HealthParams p;
  const HealthConfig& h = s.health;
  p.total_failure = {h.total_failure_chunk,
                     egd::AssessedMaxIdentical(h.total_failure_chunk,
                                               h.total_failure_max_identical, per_bit)};
  p.continuous = {h.sample, per_bit, h.alpha_exponent};
  size_t continuous_window = h.sample == egd::SampleMode::kBit ? 1024 / 8 : 1024;
  p.startup_bytes = !h.startup_test ? 0 : fips ? std::max<size_t>(p.startup_bytes, continuous_window)
                                               : continuous_window;
  return p;
}

bool SameCredit(const Config& a, const Config& b) {
  const HealthConfig &x = a.health, &y = b.health;
  return x.total_failure_chunk == y.total_failure_chunk &&
         x.total_failure_max_identical == y.total_failure_max_identical &&
         x.sample == y.sample && x.alpha_exponent == y.alpha_exponent &&
         x.startup_test == y.startup_test && a.output.mode == b.output.mode &&
         a.source.entropy_per_bit == b.source.entropy_per_bit &&
         a.source.entropy_certified == b.source.entropy_certified;
}

}  // namespace

std::shared_ptr<Device> Device::Create(boost::asio::io_context& io, Pool& pool,
                                       SourceFactory factory) {
  return std::make_shared<Device>(io, pool, std::move(factory));
}

Device::Device(boost::asio::io_context& io, Pool& pool, SourceFactory factory)
    : io_(io), pool_(pool), factory_(std::move(factory)), timer_(io) {}

void Device::AttachLane(Pool::LaneId lane) {
  assert(!attached_);
  lane_ = lane;
  attached_ = true;
  pool_.set_on_take([this] { RequestRead(); }, lane_);
}

Device::~Device() {
  if (attached_) pool_.set_on_take(nullptr, lane_);
  Stop();
}

bool Device::On() const {
  return state_ == DeviceState::kInitializing || state_ == DeviceState::kRunning ||
         state_ == DeviceState::kDeviceLost;
}

egd::Status Device::Prepare(const Config& running, const Config& next, Next* out) {
  bool first = !source_;
  out->settings = {next.source, next.health, next.assessment, next.output.mode,
                   EffectiveBitsPerSample(next)};
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
  out->new_credit = first || !SameCredit(running, next);
  return egd::Status::Ok();
}

void Device::Commit(Next next) {
  settings_ = next.settings;
  bool running = state_ == DeviceState::kInitializing || state_ == DeviceState::kRunning;
  bool on = On();
  if (next.new_credit) RebuildCredit();
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
    if (!first) Log(LogLevel::kNotice, log_prefix_, "source is now ", source_->description());
  } else if (next.new_credit && running) {
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

// From standby a restart is an init (the manual lists only 200 and 555 for
// restart, and says a restart in standby answers with a message saying so).
Device::Outcome Device::Restart() {
  bool was_standby = state_ == DeviceState::kStandby;
  if (!was_standby) {
    CloseSource();
    SetState(DeviceState::kStandby, "restarting");
  }
  Outcome r = Init();
  if (r.ok) {
    r.message = was_standby ? "System was in standby; initialised it" : "System successfully restarted";
  }
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

// The source is open: every power-on runs the startup test again, and a
// device not yet assessed is assessed first.
void Device::SwitchOn(const std::string& why) {
  reconnect_delay_ = std::chrono::milliseconds(500);
  LoadOrAssess();
  gate_->Restart();
  if (conditioner_) conditioner_->Reset();
  source_->Start();
  SetState(DeviceState::kInitializing, assessor_ ? why + "; assessing its entropy" : why);
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
  if (assessor_ && assessor_->collecting()) assessor_.reset();  // samples must be consecutive
}

void Device::RequestRead() {
  if (read_outstanding_ || source_eof_ || stopping_ || !source_) return;
  if (state_ != DeviceState::kInitializing && state_ != DeviceState::kRunning) return;
  if (assessor_ && !assessor_->collecting()) return;  // resumes when the result is in
  size_t want = settings_.source.read_size;
  if (assessor_) {
    want = std::max(want, size_t{65536});  // samples, not output: read them quickly
  } else if (entropy_per_bit() <= 0) {
    return;  // nothing can be credited (an assessment found no entropy)
  } else if (!gate_->starting()) {
    // Refill in sizeable reads: a full pool drained 32 bytes at a time must not
    // turn into one tiny device read (and thread hand-off) per client request.
    // (While the startup test runs the device is read regardless: its verdict
    // decides the state, even if the pool is still full from before.)
    size_t room = pool_.free(lane_);
    size_t held = gate_->pending();
    size_t low_water = std::min(settings_.source.read_size, pool_.capacity(lane_) / 4);
    if (room <= held || room - held < low_water) return;
    want = std::min(want, room - held);
  }
  read_outstanding_ = true;
  source_->Read(want);
}

void Device::OnData(std::span<const uint8_t> raw) {
  read_outstanding_ = false;
  counters_.bytes_received += raw.size();
  if (Divert(&raw)) return;
  auto alarm = gate_->Push(raw, &passed_);  // on an alarm nothing is passed
  counters_.bytes_passed += passed_.size();
  if (size_t dropped = gate_->TakeDropped()) {
    counters_.bytes_discarded += dropped;
    Log(LogLevel::kNotice, log_prefix_, "startup test failed once (", gate_->last_startup_failure(), "); ",
        dropped, " bytes dropped, repeating it on the next window");
  }
  if (alarm) {
    WipeScratch();
    return OnAlarm(*alarm);
  }
  if (!gate_->starting() && state_ == DeviceState::kInitializing) {
    SetState(DeviceState::kRunning, "startup tests passed");
    alarm_streak_ = 0;
    if (pool_.halted(lane_)) {
      Log(LogLevel::kNotice, log_prefix_, "output resumed: the device passed its startup test");
      pool_.Resume(lane_);
    }
  }
  egd::SecureBytes* ready = &passed_;
  if (conditioner_) {
    conditioner_->Push(passed_, &conditioned_);
    ready = &conditioned_;
  }
  size_t added = pool_.Add(*ready, lane_);
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
  ++counters_.alarms_by_test[alarm.test];
  ++alarm_streak_;
  counters_.bytes_discarded += alarm.discarded;
  size_t wiped = pool_.size(lane_);
  counters_.bytes_wiped += wiped;
  pool_.Halt(lane_);
  counters_.last_alarm = alarm.test + ": " + alarm.detail;
  counters_.last_alarm_test = alarm.test;
  counters_.last_alarm_at = std::chrono::system_clock::now();
  Log(LogLevel::kError, log_prefix_, "health alarm: ", counters_.last_alarm, "; ", alarm.discarded,
      " untested and ", wiped, " pooled bytes wiped; output stopped until the device passes "
      "its startup test again");
  CloseSource();
  if (conditioner_) conditioner_->Reset();
  SetState(DeviceState::kFailed, counters_.last_alarm);
  if (settings_.health.on_alarm == AlarmPolicy::kReinit) ScheduleReinit();
}

void Device::ScheduleReinit() {
  // Repeated alarms without a successful start back off, up to an hour.
  auto delay = settings_.health.reinit_delay;
  for (uint64_t i = 1; i < alarm_streak_ && delay < std::chrono::hours(1); ++i) delay *= 2;
  delay = std::min<std::chrono::milliseconds>(delay, std::chrono::hours(1));
  Log(LogLevel::kNotice, log_prefix_, "re-initialising in ", delay.count(), " ms (on_alarm = reinit)");
  timer_.expires_after(delay);
  reinit_at_ = std::chrono::steady_clock::now() + delay;
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
    Log(LogLevel::kNotice, log_prefix_, "source finished: ", why, "; ", gate_->pending(),
        " untested trailing bytes discarded");
    gate_->Restart();
    return;
  }
  Log(LogLevel::kWarning, log_prefix_, "source lost: ", why);
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
    Log(LogLevel::kNotice, log_prefix_, "device state ", DeviceStateName(state_), " -> ",
        DeviceStateName(state), ": ", why);
    state_since_ = std::chrono::system_clock::now();
    reinit_at_.reset();  // ScheduleReinit sets it after entering failed
  }
  state_ = state;
  reason_ = why;
  if (on_state_) on_state_();
}

std::optional<std::chrono::steady_clock::duration> Device::reinit_in() const {
  if (state_ != DeviceState::kFailed || !reinit_at_) return std::nullopt;
  return std::max(*reinit_at_ - std::chrono::steady_clock::now(),
                  std::chrono::steady_clock::duration::zero());
}

double Device::EntropyBits() const {
  // Nothing is advertised while output is stopped, whatever the pool holds.
  if (pool_.halted(lane_) || state_ == DeviceState::kFailed) return 0;
  return static_cast<double>(pool_.size(lane_)) * pool_.unreserved_share() * 8.0 *
         output_entropy_per_bit();
}

double Device::entropy_per_bit() const {
  const SourceConfig& c = settings_.source;
  if (c.entropy_certified) return c.entropy_per_bit;
  return assessment_ ? std::min(assessment_->per_bit(), c.entropy_per_bit) : 0.0;
}

double Device::output_entropy_per_bit() const {
  double per_bit = entropy_per_bit();
  if (!conditioned() || per_bit <= 0) return per_bit;
  return egd::ConditionedEntropyPerBit(per_bit);
}

egd::HealthStats Device::health_stats() const {
  egd::HealthStats s = retired_health_;
  if (gate_) s += gate_->stats();
  return s;
}

// A new gate and conditioner for the credit in force; the window of the old
// gate is dropped, so its startup test runs again.
void Device::RebuildCredit() {
  double per_bit = entropy_per_bit();
  if (gate_) {
    counters_.bytes_discarded += gate_->pending();
    retired_health_ += gate_->stats();
  }
  // Without credit nothing reaches the gate; it is built for the configured
  // bound only so that there always is one.
  double gate_bits = per_bit > 0 ? per_bit : settings_.source.entropy_per_bit;
  bool fips = settings_.source.entropy_certified ? gate_bits >= 0.99
                                                 : assessment_ && assessment_->fips_fits();
  gate_ = egd::MakeSecure<egd::HealthGate>(
      GateParams(settings_, gate_bits, fips),
      fips ? egd::Fips140StartupTest() : nullptr);
  conditioner_.reset();
  if (conditioned() && per_bit > 0) conditioner_ = std::make_unique<egd::Conditioner>(per_bit);
}

// The stored assessment of the device just opened, or a new one.
void Device::LoadOrAssess() {
  std::string identity = source_->identity();
  if (identity == identity_ && (assessment_ || assessor_)) return;
  identity_ = identity;
  assessor_.reset();
  assessment_.reset();
  assessment_problem_.clear();
  AssessmentStore store(settings_.assessment.state_dir);
  assessment_ = store.Load(identity_, settings_.bits_per_sample, &assessment_problem_);
  if (!assessment_problem_.empty()) Log(LogLevel::kWarning, log_prefix_, "assessment: ", assessment_problem_);
  if (assessment_) {
    Log(LogLevel::kNotice, log_prefix_, "assessment of ", identity_, " from ", store.PathFor(identity_), ": ",
        assessment_->min_entropy, " bits per ", assessment_->bits_per_sample, "-bit sample");
  } else if (!settings_.source.entropy_certified) {
    BeginAssessment("no assessment of " + identity_ + " yet");
  }
  RebuildCredit();
}

void Device::BeginAssessment(const std::string& why) {
  const AssessmentConfig& c = settings_.assessment;
  assessor_ = std::make_unique<Assessor>(io_, c.samples, settings_.bits_per_sample,
                                         settings_.health.total_failure_chunk);
  Log(LogLevel::kNotice, log_prefix_, "assessing ", identity_, " (", why, "): collecting ", c.samples, " ",
      settings_.bits_per_sample, "-bit samples; they are never served");
}

// Raw bytes an assessment still collects go to it, not to the gate. Returns
// true when nothing is left for the gate (or an alarm stopped the device).
bool Device::Divert(std::span<const uint8_t>* raw) {
  if (!assessor_ || !assessor_->collecting()) {
    if (entropy_per_bit() > 0) return false;
    counters_.bytes_discarded += raw->size();  // no credit: nothing is served
    return true;
  }
  size_t used = 0;
  if (auto alarm = assessor_->Add(*raw, &used)) {
    OnAlarm(*alarm);
    return true;
  }
  counters_.bytes_assessed += used;
  *raw = raw->subspan(used);
  if (assessor_->full()) {
    Log(LogLevel::kInfo, log_prefix_, "assessing ", assessor_->samples_needed(), " samples of ", identity_);
    assessor_->Start([this](Assessment a) { OnAssessed(std::move(a)); });
  }
  if (!raw->empty() && entropy_per_bit() <= 0) {
    counters_.bytes_discarded += raw->size();
    *raw = {};
  }
  if (!raw->empty()) return false;  // a re-assessment's tail: tested and served as usual
  RequestRead();
  return true;
}

void Device::OnAssessed(Assessment a) {
  assessor_.reset();
  a.identity = identity_;
  a.unix_time = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  Log(LogLevel::kNotice, log_prefix_, "assessed ", identity_, ": ", a.min_entropy, " bits per ",
      a.bits_per_sample, "-bit sample (", a.per_bit(), " per bit, set by ",
      a.decided_by.empty() ? "the cap" : a.decided_by, ") from ", a.samples, " samples in ",
      a.seconds, " s");
  egd::Status st = AssessmentStore(settings_.assessment.state_dir).Save(a);
  assessment_problem_ = st.ok() ? "" : st.message();
  if (!st.ok()) Log(LogLevel::kWarning, log_prefix_, "assessment kept in memory only: ", st.message());
  assessment_ = std::move(a);
  RebuildCredit();
  if (state_ == DeviceState::kInitializing || state_ == DeviceState::kRunning) {
    SetState(DeviceState::kInitializing, "assessment done: startup test");
    RequestRead();
  }
}

Device::Outcome Device::Assess() {
  if (state_ != DeviceState::kInitializing && state_ != DeviceState::kRunning) {
    return {false, "not_initialized", "The device is not on; use init"};
  }
  if (assessor_) return {false, "assessment_running", "An assessment is already running"};
  BeginAssessment("requested by the operator");
  RequestRead();
  return {true, "", "Assessment started: collecting " +
                        std::to_string(settings_.assessment.samples) + " samples"};
}

}  // namespace egdd
