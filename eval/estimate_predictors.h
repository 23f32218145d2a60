// SPDX-License-Identifier: Apache-2.0
// The four prediction estimators of SP 800-90B (6.3.7 MultiMCW, 6.3.8 Lag,
// 6.3.9 MultiMMC, 6.3.10 LZ78Y) and their shared final step, computed as
// NIST's reference implementation (ea_non_iid 1.1.7) computes them: the same
// predictors, the same tie rules (they decide C), the same dictionary caps and
// the same floating-point steps, so results agree with it to 1e-6.
//
// Samples are values < alphabet (see entropy_samples.h). With alphabet 2 the
// reference runs dedicated binary versions of MultiMMC and LZ78Y whose edge
// behaviour differs slightly from the general ones; so do we. Pure; no I/O;
// each call allocates its own tables, so calls may run on different threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace egdstat {

// What a prediction estimator reports (the reference's verbose output).
struct PredictorEstimate {
  long correct = 0;             // C: correct predictions
  long run = 0;                 // r: longest run of correct predictions, plus one
  long predictions = 0;         // N: predictions made
  double p_global = 0;          // C / N
  double p_global_prime = 0;    // its 99 % upper bound
  std::optional<double> p_local;  // unset when it cannot change the result
  double min_entropy = 0;       // -log2(max(1/k, P_global', P_local))
};

// The final step shared by all four (6.3.7 steps 5-8 and alike): from C, the
// longest run of correct predictions (without the +1) and N. k = alphabet.
PredictorEstimate PredictionEstimate(long correct, long longest_run, long predictions,
                                     int alphabet);

// Each estimator returns nothing when the data are too short for it (the
// reference warns and skips it): MultiMCW needs 4096 samples, Lag 3,
// MultiMMC 3 (17 with alphabet 2), LZ78Y 18.
std::optional<PredictorEstimate> EstimateMultiMcw(std::span<const uint8_t> samples, int alphabet);
std::optional<PredictorEstimate> EstimateLag(std::span<const uint8_t> samples, int alphabet);
std::optional<PredictorEstimate> EstimateMultiMmc(std::span<const uint8_t> samples, int alphabet);
std::optional<PredictorEstimate> EstimateLz78y(std::span<const uint8_t> samples, int alphabet);

}  // namespace egdstat
