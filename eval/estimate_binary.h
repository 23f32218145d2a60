// SPDX-License-Identifier: Apache-2.0
// The SP 800-90B estimators defined for binary data only: 6.3.2 collision,
// 6.3.3 Markov and 6.3.4 compression, computed as NIST's reference
// implementation (ea_non_iid 1.1.7) computes them, so that every value below
// agrees with its verbose output to 1e-6 (see eval/entropy_estimators.h).
//
// Input: bits, each 0 or 1 (the bitstring of EntropySamples, or its literal
// samples when the alphabet is binary). Output: the min-entropy per bit with
// the intermediate values the reference prints. Each runs in one pass over
// the bits and allocates nothing per bit (compression keeps a table of log2
// values, in degenerate data up to one per 6-bit block). Pure; no I/O.
//
// Too little data: the reference skips the compression estimate below 6,006
// bits (it leaves it out of the minimum) and computes nonsense (NaN, infinity)
// where a spread rests on fewer than two values (1,001 blocks; one
// collision). Here `computed` is false and every other field stays 0: a
// caller matching the reference leaves such an estimate out; one that takes
// the minimum without looking gets 0 bits, the safe side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace egdstat {

struct CollisionEstimate {
  bool computed = false;   // false: fewer than two collisions (only below 6 bits)
  size_t v = 0;            // number of collisions (times to a repeated bit)
  size_t sum_t = 0;        // sum of those times (bits consumed)
  double x_bar = 0;        // sum_t / v
  double sigma_hat = 0;    // standard deviation of the times
  double x_bar_prime = 0;  // max(2, x_bar - Z * sigma_hat / sqrt(v))
  bool found_p = false;    // false: x_bar_prime >= 2.5, so p = 0.5
  double p = 0;            // root of -2p^2 + 2p + 2 = x_bar_prime, or 0.5
  double min_entropy = 0;  // -log2(p), per bit
};

// 6.3.2. The reference solves 90B's step 7 in closed form for binary data
// (x_bar_prime = -2p^2 + 2p + 2) rather than by searching.
CollisionEstimate EstimateCollision(std::span<const uint8_t> bits);

struct MarkovEstimate {
  bool computed = false;  // false: fewer than two bits
  double p0 = 0;          // P_0: zeros / bits
  double p1 = 0;          // P_1 = 1 - P_0
  double p00 = 0;         // P_{0,0}: transitions 0->0 / transitions from 0 (0 if none)
  double p01 = 0;         // P_{0,1} = 1 - P_{0,0} (0 if no transition from 0)
  double p10 = 0;         // P_{1,0}: transitions 1->0 / transitions from 1 (0 if none)
  double p11 = 0;         // P_{1,1} = 1 - P_{1,0} (0 if no transition from 1)
  double p_max = 0;       // p-hat_max: the most likely 128-bit sequence's probability
  double min_entropy = 0; // min(-log2(p_max) / 128, 1), per bit
};

// 6.3.3, with the reference's six candidate sequences of 128 bits evaluated
// as sums of logarithms (a product of 128 probabilities can underflow).
MarkovEstimate EstimateMarkov(std::span<const uint8_t> bits);

struct CompressionEstimate {
  bool computed = false;   // false: 1,001 or fewer 6-bit blocks (under 6,012 bits)
  size_t blocks = 0;       // 6-bit blocks, the first 1,000 of them the dictionary
  double x_bar = 0;        // mean log2 distance to a block's previous occurrence
  double sigma_hat = 0;    // 0.5907 * their standard deviation
  double x_bar_prime = 0;  // x_bar - Z * sigma_hat / sqrt(blocks - 1000)
  bool found_p = false;    // false: the search for p failed, so p = 1/64
  double p = 0;            // the most likely block's probability in 90B's family
  double min_entropy = 0;  // -log2(p) / 6, per bit
};

// 6.3.4 (Maurer's universal statistic on 6-bit blocks), with the reference's
// bisection for p and its failure rules.
CompressionEstimate EstimateCompression(std::span<const uint8_t> bits);

}  // namespace egdstat
