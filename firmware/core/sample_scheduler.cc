#include "firmware/core/sample_scheduler.h"

namespace trng {

void SampleScheduler::Start(uint32_t now_us) {
  last_us_ = now_us;
  acc_ = 0;
}

uint32_t SampleScheduler::Due(uint32_t now_us) {
  const uint32_t elapsed = now_us - last_us_;  // modulo 2^32: survives the wrap
  last_us_ = now_us;
  acc_ += uint64_t{elapsed} * rate_hz_;
  const uint64_t due = acc_ / 1000000u;
  acc_ -= due * 1000000u;
  if (due <= max_burst_) return static_cast<uint32_t>(due);
  late_ += due - max_burst_;
  return max_burst_;
}

}  // namespace trng
