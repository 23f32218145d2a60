#include "firmware/sim/simulator.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <ctime>
#include <sys/random.h>
#include <vector>

namespace trng::sim {
namespace {

constexpr uint64_t kPollStepUs = 1000;        // device loop() period, device time
constexpr uint64_t kMaxPollsPerTick = 200000;  // beyond this the device falls behind
constexpr double kLineBurstBytes = 64;        // line budget cap after an idle spell
constexpr double kDeviceBitRate = 60;         // sample_hz 240 / XOR-4

uint64_t RealMicros() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

uint64_t ChooseSeed(const SimOptions& o) {
  uint64_t seed = o.seed;
  if (!o.have_seed && getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = RealMicros();
  return seed;
}

}  // namespace

Simulator::Simulator(const SimOptions& options)
    : options_(options),
      line_rng_(ChooseSeed(options) ^ 0x9E3779B97F4A7C15ull),
      tunnel_(ChooseSeed(options)),
      hal_(tunnel_),
      speedup_(options.rate_bps / kDeviceBitRate) {}

Simulator::~Simulator() {
  if (!options_.link.empty()) RemoveLink(options_.link);
}

bool Simulator::Start(std::string* error) {
  real_start_us_ = line_last_us_ = RealMicros();
  if (!options_.control.empty() && !control_.Open(options_.control, error)) return false;
  return Plug(error);
}

void Simulator::Run(const volatile std::sig_atomic_t* stop) {
  const ControlChannel::Handler handler = [this](const std::string& l) { return Control(l); };
  while (*stop == 0) {
    control_.Poll(1, handler);
    Tick();
  }
}

bool Simulator::Plug(std::string* error) {
  if (!port_.Open(error)) return false;
  if (!options_.link.empty() && !PointLink(options_.link, port_.slave_path(), error)) return false;
  std::printf("%s\n", port_.slave_path().c_str());
  std::fflush(stdout);
  hal_.rx().clear();
  hal_.tx().clear();
  device_.emplace(hal_, options_.device);
  device_->Begin();
  return true;
}

// The NodeMCU is bus-powered: pulling the cable switches fan and LED off too.
void Simulator::Unplug() {
  device_.reset();
  hal_.SetFan(false);
  hal_.SetLight(false);
  if (!options_.link.empty()) RemoveLink(options_.link);
  port_.Close();
  hal_.rx().clear();
  hal_.tx().clear();
}

void Simulator::Tick() {
  if (device_) port_.Read(&hal_.rx());
  RunDevice();
  if (device_) PumpLine();
}

void Simulator::RunDevice() {
  const uint64_t target = static_cast<uint64_t>(double(RealMicros() - real_start_us_) * speedup_);
  uint64_t polls = 0;
  while (hal_.now_us() + kPollStepUs <= target && polls++ < kMaxPollsPerTick) {
    hal_.set_now_us(hal_.now_us() + kPollStepUs);
    if (device_) device_->Poll();
  }
  if (hal_.now_us() + kPollStepUs <= target) hal_.set_now_us(target);  // fell behind: skip
  tunnel_.AdvanceTo(hal_.now_us());
}

// Moves device output to the pty at the line's byte rate, applying injected
// corruption to the bytes as they pass.
void Simulator::PumpLine() {
  const uint64_t now = RealMicros();
  const double rate = options_.baud / 10.0;
  line_budget_ = options_.baud == 0 ? 1e9 : std::min(kLineBurstBytes, line_budget_ + double(now - line_last_us_) * rate / 1e6);
  line_last_us_ = now;
  std::deque<uint8_t>& tx = hal_.tx();
  const size_t n = std::min(tx.size(), static_cast<size_t>(line_budget_));
  if (n == 0) return;
  std::vector<uint8_t> out(tx.begin(), tx.begin() + static_cast<std::ptrdiff_t>(n));
  const size_t flips = std::min(n, corrupt_left_);
  for (size_t i = 0; i < flips; ++i) out[i] ^= static_cast<uint8_t>(1u << (line_rng_() % 8));
  const size_t written = port_.Write(out.data(), n);
  corrupt_left_ -= std::min(flips, written);
  tx.erase(tx.begin(), tx.begin() + static_cast<std::ptrdiff_t>(written));
  line_budget_ -= double(written);
  bytes_sent_ += written;
}

// Line noise arrives at the current position of the line, so it can land in
// the middle of a frame (which is then lost) as well as between frames.
void Simulator::InjectGarbage(size_t n) {
  std::deque<uint8_t>& tx = hal_.tx();
  for (size_t i = 0; i < n; ++i) tx.push_front(static_cast<uint8_t>(line_rng_()));
}

std::string Simulator::Status() const {
  std::ostringstream o;
  o << "ok plugged=" << device_.has_value() << " pty=" << (device_ ? port_.slave_path() : "-")
    << " host_attached=" << (device_ && port_.HostAttached()) << " device_on=" << (device_ && device_->on())
    << " fan_broken=" << tunnel_.fan_broken() << " sunlight=" << tunnel_.sunlight()
    << " fan_speed=" << tunnel_.fan_speed() << " snippets_at_rest=" << tunnel_.snippets_at_rest()
    << " tx_queued=" << hal_.tx_queued() << " bytes_sent=" << bytes_sent_;
  if (device_) {
    o << " frames=" << device_->stats().frames << " dropped=" << device_->stats().dropped;
  }
  return o.str();
}

// One command per line; see PROTOCOL.md. Faults take effect at the device's
// current time, so the physics before the command ran without them.
std::string Simulator::Control(const std::string& line) {
  std::istringstream in(line);
  std::string cmd;
  in >> cmd;
  long long n = -1;
  in >> n;
  tunnel_.AdvanceTo(hal_.now_us());
  if (cmd == "fan-stop" || cmd == "fan-start") {
    tunnel_.SetFanBroken(cmd == "fan-stop");
  } else if (cmd == "sunlight" || cmd == "shade") {
    tunnel_.SetSunlight(cmd == "sunlight");
  } else if (cmd == "unplug") {
    if (!device_) return "err already unplugged";
    Unplug();
  } else if (cmd == "replug") {
    if (device_) return "err already plugged";
    std::string error;
    if (!Plug(&error)) return "err " + error;
    return "ok " + port_.slave_path();
  } else if (cmd == "garbage" || cmd == "corrupt") {
    if (n < 0 || n > 1000000) return "err usage: " + cmd + " N (0..1000000)";
    if (!device_) return "err unplugged";
    if (cmd == "garbage") InjectGarbage(static_cast<size_t>(n));
    else corrupt_left_ += static_cast<size_t>(n);
  } else if (cmd == "status") {
    return Status();
  } else {
    return "err unknown command (fan-stop fan-start sunlight shade unplug replug garbage N corrupt N status)";
  }
  return "ok";
}

}  // namespace trng::sim
