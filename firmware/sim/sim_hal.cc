#include "firmware/sim/sim_hal.h"

namespace trng::sim {

uint16_t SimHal::ReadAdc() {
  tunnel_.AdvanceTo(now_us_);
  return tunnel_.ReadAdc();
}

// The tunnel catches up to now before a switch, so the past ran with the old state.
void SimHal::SetFan(bool on) {
  tunnel_.AdvanceTo(now_us_);
  fan_ = on;
  tunnel_.SetFanPower(on);
}

void SimHal::SetLight(bool on) {
  tunnel_.AdvanceTo(now_us_);
  light_ = on;
  tunnel_.SetLight(on);
}

int SimHal::ReadByte() {
  if (rx_.empty()) return -1;
  const int c = rx_.front();
  rx_.pop_front();
  return c;
}

}  // namespace trng::sim
