#include "firmware/sim/wind_tunnel.h"

#include <algorithm>
#include <cmath>

namespace trng::sim {
namespace {

constexpr int kSnippets = 16;
constexpr double kStepS = 0.002;
constexpr uint64_t kStepUs = 2000;  // 500 physics steps per second
constexpr double kWindowLo = 0.35, kWindowHi = 0.65;
constexpr double kHalfHeight = 0.05;      // snippet half-height
constexpr double kGravity = 4.0;          // tunnel heights / s^2
constexpr double kDrag = 3.0;             // 1/s
constexpr double kTurbulence = 4.0;       // velocity noise at full fan speed
constexpr double kSpinDrag = 5.0;         // 1/s
constexpr double kSpinTurbulence = 400.0; // angular velocity noise, rad/s^1.5
constexpr double kFanUpS = 0.4, kFanDownS = 0.8;  // fan time constants
constexpr double kLed = 0.80, kRoom = 0.03, kSun = 50.0;  // light, full scale = 1
constexpr double kAbsorption = 1.2;       // per snippet layer covering the window
constexpr double kAdcNoiseLsb = 0.4;

}  // namespace

WindTunnel::WindTunnel(uint64_t seed) : rng_(seed), snippets_(kSnippets) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (Snippet& s : snippets_) s.angle = 6.283 * u(rng_);
}

void WindTunnel::AdvanceTo(uint64_t t_us) {
  while (now_us_ + kStepUs <= t_us) {
    Step(kStepS);
    now_us_ += kStepUs;
  }
}

void WindTunnel::Step(double dt) {
  const double target = (fan_power_ && !fan_broken_) ? 1.0 : 0.0;
  const double tau = target > fan_ ? kFanUpS : kFanDownS;
  fan_ += (target - fan_) * dt / tau;
  for (Snippet& s : snippets_) StepSnippet(s, dt);
}

// Lift grows with the fan speed and balances gravity at full speed; the
// turbulence kicks scale with it too. A snippet on the floor stays put until
// the lift exceeds its weight's share (fan above 60 %).
void WindTunnel::StepSnippet(Snippet& s, double dt) {
  const double kick = kTurbulence * fan_ * std::sqrt(dt);
  if (s.resting) {
    if (fan_ < 0.6) return;
    s.resting = false;
  }
  s.vy += (-kDrag * s.vy + (fan_ - 1.0) * kGravity) * dt + kick * normal_(rng_);
  s.y += s.vy * dt;
  if (s.y > 1.0) {
    s.y = 2.0 - s.y;
    s.vy = -0.5 * s.vy;
  }
  if (s.y < 0.0) {
    s.y = -s.y;
    s.vy = -0.5 * s.vy;
    if (fan_ < 0.3 && std::fabs(s.vy) < 0.05) s = Snippet{0, 0, s.angle, 0, true};
  }
  s.spin += -kSpinDrag * s.spin * dt + kSpinTurbulence * fan_ * std::sqrt(dt) * normal_(rng_);
  s.angle += s.spin * dt;
}

bool WindTunnel::snippets_at_rest() const {
  return std::all_of(snippets_.begin(), snippets_.end(), [](const Snippet& s) { return s.resting; });
}

double WindTunnel::Transmission() const {
  double layers = 0;
  for (const Snippet& s : snippets_) {
    const double overlap = std::min(s.y + kHalfHeight, kWindowHi) - std::max(s.y - kHalfHeight, kWindowLo);
    if (overlap <= 0) continue;
    const double opacity = 0.2 + 0.7 * std::fabs(std::cos(s.angle));
    layers += opacity * overlap / (kWindowHi - kWindowLo);
  }
  return std::exp(-kAbsorption * layers);
}

uint16_t WindTunnel::ReadAdc() {
  const double light = (light_ ? kLed : 0.0) + kRoom + (sunlight_ ? kSun : 0.0);
  // Beyond full scale the ADC input is clipped: noise cannot pull it back.
  const double volts = light * Transmission();
  const double lsb = std::round(volts * 1023.0 + kAdcNoiseLsb * normal_(rng_));
  return static_cast<uint16_t>(std::clamp(lsb, 0.0, 1023.0));
}

}  // namespace trng::sim
