// Conditioner: turns health-tested raw bytes into full-entropy output with
// SHA-512 (libsodium), the vetted conditioning function of SP 800-90B 3.1.5.1.1.
// Each 64-byte output block is the hash of the next max(ceil(576 / (8 x H)), 80)
// input bytes, H = credited min-entropy per raw bit, so every block's input
// carries at least 512 + 64 bits of entropy in at least 640 bits: SP 800-90B
// 3.1.5.1.2's Output_Entropy is then within 2^-64 of 512 bits (full entropy
// in the 2012 draft's sense; at exactly 576 input bits its omega term would
// leave it 2^-35.7 short). docs/health-tests.md has the arithmetic. The hash state lives in secure memory
// (common/secure_memory.h) and is wiped when a block is emitted, on Reset and
// on destruction; output goes to a SecureBytes. Pure and single-threaded.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/secure_memory.h"

namespace egd {

class Conditioner {
 public:
  static constexpr size_t kOutputBytes = 64;
  static constexpr size_t kExtraBits = 64;
  static constexpr size_t kMinInputBytes = 80;  // 640 bits: 2^(n_in - 512) >= 2^128

  explicit Conditioner(double entropy_per_bit);
  ~Conditioner();
  Conditioner(const Conditioner&) = delete;
  Conditioner& operator=(const Conditioner&) = delete;

  // Absorbs `in`; appends a 64-byte block to *out for every full input block.
  void Push(std::span<const uint8_t> in, SecureBytes* out);
  // Wipes a partly absorbed input block.
  void Reset();

  size_t input_per_block() const { return input_per_block_; }
  size_t pending() const { return absorbed_; }

 private:
  size_t input_per_block_;
  size_t absorbed_ = 0;
  crypto_hash_sha512_state* state_;  // SecureAllocate'd
};

// SP 800-90B 3.1.5.1.2 Output_Entropy(n_in, n_out, nw, h_in) of a vetted
// conditioning function, and how close it comes to full entropy:
//   P_high = 2^-h_in, P_low = (1 - P_high) / (2^n_in - 1), n = min(n_out, nw),
//   psi = 2^(n_in - n) P_low + P_high,
//   U = 2^(n_in - n) + sqrt(2 n 2^(n_in - n) ln 2), omega = U P_low,
//   h_out = -log2(max(psi, omega)).
// Computed in the log domain (2^n_in overflows a double for long inputs):
// with 2^n psi = 1 + d_psi and 2^n omega = 1 + d_omega, h_out = n -
// log2(1 + max(d_psi, d_omega)), capped to [0, min(n_out, h_in)].
// epsilon_exp = -log2(1 - h_out / n_out); SP 800-90B's (2012 draft) and SP
// 800-90C's full entropy need it above 64 and 32 respectively.
struct OutputEntropy {
  double h_out = 0;
  double epsilon_exp = 0;
};
OutputEntropy VettedOutputEntropy(double n_in, double n_out, double nw, double h_in);

// The min-entropy credited per output bit of this conditioner fed at
// `entropy_per_bit`: Output_Entropy(8 x input_per_block, 512, 512, 8 x
// input_per_block x entropy_per_bit) / 512 (SHA-512: n_out = nw = 512).
double ConditionedEntropyPerBit(double entropy_per_bit);

// Raw input bytes needed per 64-byte block at `entropy_per_bit`.
size_t ConditionerInputPerBlock(double entropy_per_bit);

}  // namespace egd
