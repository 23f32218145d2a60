// SimHal: the NodeMCU's hardware for trngcore's Device, simulated.
//
// The ADC reads a WindTunnel; fan and LED pins drive it. The UART is two
// byte queues: rx (host -> device, filled by the simulator from the pty) and
// tx (device -> host, drained by the simulator at the line's baud rate). The
// tx queue has the capacity of a small UART buffer, so a device producing
// faster than the line carries drops frames exactly as the firmware would.
// Time is virtual: the simulator sets it; Micros() wraps like micros().
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "firmware/core/device.h"
#include "firmware/sim/wind_tunnel.h"

namespace trng::sim {

class SimHal : public Hal {
 public:
  static constexpr size_t kTxCapacity = 256;

  explicit SimHal(WindTunnel& tunnel) : tunnel_(tunnel) {}

  void set_now_us(uint64_t t) { now_us_ = t; }
  uint64_t now_us() const { return now_us_; }
  std::deque<uint8_t>& rx() { return rx_; }
  std::deque<uint8_t>& tx() { return tx_; }
  size_t tx_queued() const { return tx_.size(); }
  bool fan() const { return fan_; }
  bool light() const { return light_; }

  uint32_t Micros() override { return static_cast<uint32_t>(now_us_); }
  uint16_t ReadAdc() override;
  void SetFan(bool on) override;
  void SetLight(bool on) override;
  int ReadByte() override;
  size_t WriteSpace() override { return tx_.size() >= kTxCapacity ? 0 : kTxCapacity - tx_.size(); }
  // Replies may exceed the capacity, as a blocking Serial.write() would wait.
  void Write(const uint8_t* data, size_t n) override { tx_.insert(tx_.end(), data, data + n); }

 private:
  WindTunnel& tunnel_;
  uint64_t now_us_ = 0;
  bool fan_ = false, light_ = false;
  std::deque<uint8_t> rx_, tx_;
};

}  // namespace trng::sim
