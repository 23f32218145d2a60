#include "health/conditioner.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <stdexcept>

namespace egd {

size_t ConditionerInputPerBlock(double entropy_per_bit) {
  double bits_needed = Conditioner::kOutputBytes * 8 + Conditioner::kExtraBits;
  size_t bytes = static_cast<size_t>(std::ceil(bits_needed / (8.0 * entropy_per_bit) - 1e-9));
  return std::max(bytes, Conditioner::kMinInputBytes);
}

OutputEntropy VettedOutputEntropy(double n_in, double n_out, double nw, double h_in) {
  const double n = std::min(n_out, nw);
  const double p_high = std::exp2(-h_in);
  // (1 - P_high) / (1 - 2^-n_in): 2^n times 2^(n_in - n) P_low.
  const double scale = (1 - p_high) / -std::expm1(-n_in * std::log(2.0));
  // d_psi = scale - 1 + 2^(n - h_in), with scale - 1 formed without cancelling.
  const double scale_minus_1 = (std::exp2(-n_in) - p_high) / -std::expm1(-n_in * std::log(2.0));
  const double d_psi = scale_minus_1 + std::exp2(n - h_in);
  const double d_omega =
      scale_minus_1 + scale * std::sqrt(2 * n * std::log(2.0) * std::exp2(n - n_in));
  const double d = std::max(d_psi, d_omega);
  OutputEntropy r;
  const double lost = std::log1p(d) / std::log(2.0);  // n - h_out before the caps
  r.h_out = std::clamp(n - lost, 0.0, std::min(n_out, h_in));
  // 1 - h_out / n_out, from `lost` itself where h_out = n_out - lost: near
  // full entropy h_out rounds to n_out in a double, `lost` does not.
  const double deficit = (n == n_out && r.h_out == n - lost) || (n == n_out && r.h_out == n_out)
                             ? lost / n_out
                             : (n_out - r.h_out) / n_out;
  r.epsilon_exp = deficit > 0 ? -std::log2(deficit) : INFINITY;
  return r;
}

double ConditionedEntropyPerBit(double entropy_per_bit) {
  const double n_in = 8.0 * static_cast<double>(ConditionerInputPerBlock(entropy_per_bit));
  const double n_out = 8.0 * Conditioner::kOutputBytes;
  return VettedOutputEntropy(n_in, n_out, n_out, n_in * entropy_per_bit).h_out / n_out;
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
