// BitExtractor: turns 10-bit ADC samples of the solar cell into random bytes.
//
// Per sample (see firmware/PROTOCOL.md, "Bit extraction", for the why):
// 1. Motion gate: the sample is "moving" when it differs from the previous
//    one by at least motion_threshold LSB. Moving samples give their least
//    significant bit as the raw bit; quiet samples give a constant 0. A stopped
//    fan or a cell pinned by sunlight therefore yields a stuck raw stream,
//    whatever the ADC's own electrical noise does (it stays below the gate).
// 2. Debiasing of the raw bits:
//    kXor        (default) XOR of xor_k consecutive raw bits -> 1 output bit.
//                Bias e becomes 2^(k-1) e^k; fixed rate; a stuck input stays
//                stuck (constant output), so the host's total-failure test sees it.
//    kVonNeumann pairs 01 -> 0, 10 -> 1, 00/11 discarded. Unbiased for
//                independent bits, but a stuck input produces *no* output: a
//                total failure looks like silence. Offered for comparison.
//    kNone       raw bits unchanged (for entropy assessment of the raw source).
// 3. Output bits are packed MSB first into bytes.
// Pure; no allocation; plain C++17.
#pragma once

#include <cstdint>

namespace trng {

enum class Debias : uint8_t { kXor, kVonNeumann, kNone };

const char* DebiasName(Debias d);  // "xor", "vn", "none"

struct ExtractorConfig {
  Debias debias = Debias::kXor;
  uint8_t xor_k = 4;                // raw bits per output bit in kXor (1..32)
  uint16_t motion_threshold = 4;    // LSB; above the ADC's own noise
};

struct ExtractorStats {
  uint64_t samples = 0;   // ADC samples pushed
  uint64_t quiet = 0;     // samples that failed the motion gate
  uint64_t raw_bits = 0;  // bits into the debiaser
  uint64_t bits = 0;      // bits out of it
  uint16_t adc_min = 0;   // over the window since ResetWindow()
  uint16_t adc_max = 0;
};

class BitExtractor {
 public:
  explicit BitExtractor(const ExtractorConfig& config) : config_(config) {}

  // Forgets the previous sample and partial bits (at every `on`). Keeps stats.
  void Reset();
  // Starts a new min/max window (after each status report).
  void ResetWindow() { window_empty_ = true; }

  // Feeds one sample (0..1023). Returns true when a byte is complete and
  // stores it in *out.
  bool Push(uint16_t sample, uint8_t* out);

  const ExtractorStats& stats() const { return stats_; }
  const ExtractorConfig& config() const { return config_; }

 private:
  bool Debiased(uint8_t raw, uint8_t* bit);
  void TrackWindow(uint16_t sample);

  ExtractorConfig config_;
  ExtractorStats stats_;
  bool have_prev_ = false;
  uint16_t prev_ = 0;
  uint8_t acc_ = 0;      // xor accumulator or first bit of a von Neumann pair
  uint8_t acc_n_ = 0;    // raw bits in acc_
  uint8_t byte_ = 0;
  uint8_t byte_n_ = 0;   // bits in byte_
  bool window_empty_ = true;
};

}  // namespace trng
