// SPDX-License-Identifier: Apache-2.0
// xoshiro256** 1.0 (Blackman and Vigna), the generator NIST's reference
// implementation (ea_iid 1.1.7) shuffles with, seeded from one 64-bit number
// through splitmix64 (the seeding its authors recommend) so that a run is
// reproducible from `--seed`. UpTo draws uniformly from [0, s] by Lemire's
// multiply-and-reject method, as the reference's randomRange64 does.
// Not for cryptography. Header-only; no I/O.
#pragma once

#include <array>
#include <cstdint>

namespace egdstat {

__extension__ typedef unsigned __int128 XoshiroWide;  // GCC and Clang

class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    for (uint64_t& word : s_) word = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, s], without modulo bias.
  uint64_t UpTo(uint64_t s) {
    if (s == UINT64_MAX) return Next();
    const uint64_t range = s + 1;
    XoshiroWide m = static_cast<XoshiroWide>(Next()) * range;
    auto low = static_cast<uint64_t>(m);
    if (low < range) {
      const uint64_t threshold = (0 - range) % range;  // 2^64 mod range
      while (low < threshold) {
        m = static_cast<XoshiroWide>(Next()) * range;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }

  std::array<uint64_t, 4> s_{};
};

}  // namespace egdstat
