// SPDX-License-Identifier: Apache-2.0
// The min-entropy estimators of SP 800-90B section 6.3 (the non-IID track),
// computed as NIST's reference implementation (ea_non_iid 1.1.7) computes
// them, so that results agree with it to 1e-6 (tested against its own
// self-test data, tests/data/sp800-90b/).
//
// Each estimator takes samples (values < alphabet; see entropy_samples.h) and
// returns the min-entropy per sample it estimates, with the intermediate
// values the reference reports. Pure; no I/O.
//
// This file: 6.3.1, the most common value estimate. The others:
// estimate_binary.h (collision, Markov, compression), estimate_tuple.h
// (t-tuple, LRS), estimate_predictors.h (MultiMCW, lag, MultiMMC, LZ78Y);
// entropy_assessment.h runs them all as the standard does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace egdstat {

// Z_(1-0.005): the upper bound of a 99 % confidence interval, as the reference
// spells it.
inline constexpr double kZAlpha = 2.5758293035489008;

struct MostCommonValue {
  size_t mode = 0;      // count of the most common value
  double p_hat = 0;     // mode / L
  double p_upper = 0;   // min(1, p_hat + Z * sqrt(p_hat (1 - p_hat) / (L - 1)))
  double min_entropy = 0;  // -log2(p_upper)
};

// 6.3.1. `samples` must hold at least two samples, each < alphabet.
MostCommonValue EstimateMostCommonValue(std::span<const uint8_t> samples, int alphabet);

}  // namespace egdstat
