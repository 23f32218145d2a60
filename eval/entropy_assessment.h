// SPDX-License-Identifier: Apache-2.0
// The non-IID track of SP 800-90B (section 6.3) as a whole: every estimator
// the standard runs on the samples, H_original, H_bitstring and the assessed
// min-entropy per sample, formed as the standard and NIST's reference
// implementation (ea_non_iid 1.1.7) form them:
// - binary data (two symbols): all ten estimators on the samples;
//   H_original = their minimum; no H_bitstring; the result is H_original;
// - otherwise: most common value, t-tuple, LRS and the four predictors on the
//   literal samples (H_original); with more than two symbols all ten on the
//   bitstring too (H_bitstring), and the result is min(H_original, bits x
//   H_bitstring). H_original is at most `bits`, H_bitstring at most 1 (the
//   reference starts its minima there).
// Pure; no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "eval/entropy_samples.h"
#include "eval/progress_fn.h"

namespace egdstat {

struct EstimatorResult {
  std::string name;      // as in egd-eval's JSON: "most_common_value", "lz78y", ...
  double min_entropy;    // per sample of the data it ran on
  double seconds = 0;    // how long it took (for benchmarks)
};

struct EntropyAssessment {
  int bits = 0;
  int alphabet = 0;
  size_t samples = 0;
  // In the standard's order; an estimator the data is too short for is left
  // out, as the reference leaves it out of the minimum.
  std::vector<EstimatorResult> literal;
  std::vector<EstimatorResult> bitstring;  // empty for binary data
  double h_original = 0;
  std::optional<double> h_bitstring;
  double min_entropy = 0;   // the assessed min-entropy per sample
  std::string decided_by;   // "literal NAME" or "bitstring NAME": the estimator that set it
                            // ("" if no estimate was below the cap)
};

// with_bitstring = false assesses the literal samples only (no H_bitstring,
// samples.bitstring unread), as the reference's ea_restart forms H_r and H_c.
// `progress`: after each estimator, (estimators run, estimators to run).
EntropyAssessment AssessNonIid(const EntropySamples& samples, bool with_bitstring = true,
                               const ProgressFn& progress = nullptr);

}  // namespace egdstat
