#include "health/conditioner.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <stdexcept>

namespace egd {

size_t ConditionerInputPerBlock(double entropy_per_bit) {
  double bits_needed = Conditioner::kOutputBytes * 8 + Conditioner::kExtraBits;
  return static_cast<size_t>(std::ceil(bits_needed / (8.0 * entropy_per_bit) - 1e-9));
}

Conditioner::Conditioner(double entropy_per_bit)
    : input_per_block_(ConditionerInputPerBlock(entropy_per_bit)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
  state_ = new (SecureAllocate(sizeof *state_)) crypto_hash_sha512_state;
  crypto_hash_sha512_init(state_);
}

// SecureDeallocate wipes the state.
Conditioner::~Conditioner() { SecureDeallocate(state_, sizeof *state_); }

void Conditioner::Reset() {
  Wipe(state_, sizeof *state_);
  crypto_hash_sha512_init(state_);
  absorbed_ = 0;
}

void Conditioner::Push(std::span<const uint8_t> in, SecureBytes* out) {
  while (!in.empty()) {
    size_t take = std::min(in.size(), input_per_block_ - absorbed_);
    crypto_hash_sha512_update(state_, in.data(), take);
    absorbed_ += take;
    in = in.subspan(take);
    if (absorbed_ < input_per_block_) break;
    size_t at = out->size();
    out->resize(at + kOutputBytes);
    crypto_hash_sha512_final(state_, out->data() + at);
    Reset();
  }
}

}  // namespace egd
