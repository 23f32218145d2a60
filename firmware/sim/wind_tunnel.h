// WindTunnel: a physical noise model of the TRNG's sensor, for trng-sim.
//
// Paper snippets float in a vertical tunnel (height 1) blown by a fan; a solar
// cell behind a window at heights [0.35, 0.65] is lit by an LED. Each snippet
// has a height following a damped random walk driven by the fan's turbulence
// (Ornstein-Uhlenbeck velocity, gravity balanced by the fan's lift,
// reflecting walls) and a flutter angle driven the same way; its opacity
// depends on the angle (a snippet seen edge-on lets the light through). The
// light reaching the cell is the LED's (plus a little room light) attenuated
// by the snippets over the window; the cell voltage saturates at the ADC's
// full scale; the 10-bit ADC adds a little electrical noise (sigma 0.4 LSB)
// and quantises.
// Faults: a stopped fan coasts down, the snippets fall to the floor (below
// the window) and lie still: the reading becomes constant. Direct sunlight
// drives the cell into saturation (1023) whatever the snippets do.
//
// Time is the device's (microseconds since the model started); the model
// steps in fixed 2 ms increments, so its output depends only on the seed
// and on the times it is read at. Not thread-safe.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace trng::sim {

class WindTunnel {
 public:
  explicit WindTunnel(uint64_t seed);

  // What the firmware switches.
  void SetFanPower(bool on) { fan_power_ = on; }
  void SetLight(bool on) { light_ = on; }
  // Faults injected from outside.
  void SetFanBroken(bool broken) { fan_broken_ = broken; }
  void SetSunlight(bool on) { sunlight_ = on; }

  // Runs the physics up to device time t_us (no-op if t_us is in the past).
  void AdvanceTo(uint64_t t_us);
  // One ADC conversion of the cell voltage now: 0..1023.
  uint16_t ReadAdc();

  double fan_speed() const { return fan_; }  // 0..1
  bool fan_broken() const { return fan_broken_; }
  bool sunlight() const { return sunlight_; }
  bool snippets_at_rest() const;
  double Transmission() const;  // fraction of light the snippets let through

 private:
  struct Snippet {
    double y = 0, vy = 0, angle = 0, spin = 0;
    bool resting = true;
  };
  void Step(double dt);
  void StepSnippet(Snippet& s, double dt);

  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::vector<Snippet> snippets_;
  uint64_t now_us_ = 0;
  double fan_ = 0;  // fan speed, 0..1
  bool fan_power_ = false, fan_broken_ = false, light_ = false, sunlight_ = false;
};

}  // namespace trng::sim
