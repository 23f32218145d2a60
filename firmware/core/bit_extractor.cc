#include "firmware/core/bit_extractor.h"

namespace trng {

const char* DebiasName(Debias d) {
  switch (d) {
    case Debias::kXor: return "xor";
    case Debias::kVonNeumann: return "vn";
    case Debias::kNone: return "none";
  }
  return "?";
}

void BitExtractor::Reset() {
  have_prev_ = false;
  acc_ = acc_n_ = byte_ = byte_n_ = 0;
}

bool BitExtractor::Push(uint16_t sample, uint8_t* out) {
  ++stats_.samples;
  TrackWindow(sample);
  if (!have_prev_) {  // the first sample only primes the gate
    have_prev_ = true;
    prev_ = sample;
    return false;
  }
  const uint16_t diff = sample > prev_ ? sample - prev_ : prev_ - sample;
  prev_ = sample;
  uint8_t raw = 0;
  if (diff >= config_.motion_threshold) {
    raw = sample & 1;
  } else {
    ++stats_.quiet;
  }
  ++stats_.raw_bits;
  uint8_t bit = 0;
  if (!Debiased(raw, &bit)) return false;
  ++stats_.bits;
  byte_ = static_cast<uint8_t>((byte_ << 1) | bit);
  if (++byte_n_ < 8) return false;
  *out = byte_;
  byte_ = byte_n_ = 0;
  return true;
}

bool BitExtractor::Debiased(uint8_t raw, uint8_t* bit) {
  switch (config_.debias) {
    case Debias::kNone:
      *bit = raw;
      return true;
    case Debias::kXor:
      acc_ ^= raw;
      if (++acc_n_ < config_.xor_k) return false;
      *bit = acc_;
      acc_ = acc_n_ = 0;
      return true;
    case Debias::kVonNeumann:
      if (acc_n_ == 0) {
        acc_ = raw;
        acc_n_ = 1;
        return false;
      }
      acc_n_ = 0;
      if (acc_ == raw) return false;  // 00 and 11 are discarded
      *bit = acc_;                      // 10 -> 1, 01 -> 0
      return true;
  }
  return false;
}

void BitExtractor::TrackWindow(uint16_t sample) {
  if (window_empty_) {
    stats_.adc_min = stats_.adc_max = sample;
    window_empty_ = false;
    return;
  }
  if (sample < stats_.adc_min) stats_.adc_min = sample;
  if (sample > stats_.adc_max) stats_.adc_max = sample;
}

}  // namespace trng
