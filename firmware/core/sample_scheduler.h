// SampleScheduler: decides when the ADC is read, from a free-running
// microsecond clock (Arduino micros(): uint32_t, wraps every ~71.6 minutes).
//
// Samples are due at an exact average rate (rate_hz, no drift from rounding
// the period). Due(now) returns how many samples to take now, at most
// max_burst; when the caller was late by more than that, the extra samples are
// skipped and counted in late(), never taken in a burst: back-to-back samples
// see the snippets in the same place and would be correlated.
// Contract: call Due() at least once per wrap period (71 min) while running;
// time differences are taken modulo 2^32, so the wrap itself is harmless.
#pragma once

#include <cstdint>

namespace trng {

class SampleScheduler {
 public:
  SampleScheduler(uint32_t rate_hz, uint32_t max_burst) : rate_hz_(rate_hz), max_burst_(max_burst) {}

  // Starts (or restarts) the schedule; the first sample is due one period after now.
  void Start(uint32_t now_us);

  // Number of samples due at now_us (0..max_burst).
  uint32_t Due(uint32_t now_us);

  uint64_t late() const { return late_; }
  uint32_t rate_hz() const { return rate_hz_; }

 private:
  uint32_t rate_hz_;
  uint32_t max_burst_;
  uint32_t last_us_ = 0;
  uint64_t acc_ = 0;  // elapsed microseconds x rate_hz not yet turned into samples
  uint64_t late_ = 0;
};

}  // namespace trng
