// Conditioner: turns health-tested raw bytes into full-entropy output with
// SHA-512 (libsodium), the vetted conditioning function of SP 800-90B 3.1.5.1.1.
// Each 64-byte output block is the hash of the next ceil(576 / (8 x H)) input
// bytes, H = assessed min-entropy per raw bit, so every block's input carries at
// least 512 + 64 bits of entropy: the output may then be credited 8 bits per
// byte (SP 800-90B 3.1.5.1.2). The hash state lives in secure memory
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

// Raw input bytes needed per 64-byte block at `entropy_per_bit`.
size_t ConditionerInputPerBlock(double entropy_per_bit);

}  // namespace egd
