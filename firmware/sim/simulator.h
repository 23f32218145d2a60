// Simulator: trng-sim's event loop. One NodeMCU running the real firmware
// core (trng::Device) on a SimHal, wired to a WindTunnel and to a PtyPort.
//
// Time: the device runs in virtual time that goes rate_bps / 60 times faster
// than real time, so the firmware keeps its real configuration (240 Hz
// sampling, XOR-4: 60 bit/s of device time) while the host sees rate_bps.
// The serial line itself runs in real time at baud / 10 bytes per second.
// Fault injection arrives on the control socket (see Control() and
// firmware/PROTOCOL.md, "trng-sim"). Unplug powers the device off; replug
// boots a fresh one (off, sequence numbers from 0) on a new pty. The tunnel
// (and so a broken fan or sunlight) survives unplugging.
#pragma once

#include <csignal>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "firmware/core/device.h"
#include "firmware/sim/control_channel.h"
#include "firmware/sim/pty_port.h"
#include "firmware/sim/sim_hal.h"
#include "firmware/sim/wind_tunnel.h"

namespace trng::sim {

struct SimOptions {
  std::string link;           // symlink kept pointing at the current pty ("" = none)
  std::string control;        // control socket path ("" = none)
  double rate_bps = 4000;     // output rate seen by the host (XOR-4)
  uint64_t seed = 0;
  bool have_seed = false;     // false: seed from getrandom()
  uint32_t baud = 9600;       // 0 = unthrottled line
  DeviceConfig device;        // firmware configuration (defaults = the sketch's)
};

class Simulator {
 public:
  explicit Simulator(const SimOptions& options);
  ~Simulator();  // removes the link
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Creates the first pty; prints its path on stdout. False with *error on failure.
  bool Start(std::string* error);
  // Runs until *stop becomes non-zero (set from a signal handler).
  void Run(const volatile std::sig_atomic_t* stop);
  // Executes one control command and returns the reply line.
  std::string Control(const std::string& line);
  std::string Status() const;

 private:
  bool Plug(std::string* error);
  void Unplug();
  void Tick();
  void RunDevice();
  void PumpLine();
  void InjectGarbage(size_t n);

  SimOptions options_;
  std::mt19937_64 line_rng_;
  WindTunnel tunnel_;
  SimHal hal_;
  std::optional<Device> device_;
  PtyPort port_;
  ControlChannel control_;
  double speedup_;
  uint64_t real_start_us_ = 0;
  uint64_t line_last_us_ = 0;
  double line_budget_ = 0;    // bytes the line may carry now
  size_t corrupt_left_ = 0;   // next bytes to get one flipped bit each
  uint64_t bytes_sent_ = 0;
};

}  // namespace trng::sim
