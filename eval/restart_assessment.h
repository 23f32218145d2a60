// SPDX-License-Identifier: Apache-2.0
// SP 800-90B section 3.1.4, the restart tests, as NIST's reference
// implementation (ea_restart 1.1.7, non-IID mode) performs them:
// - the data is 1000 restarts of 1000 samples each, restart i in row i of a
//   1000 x 1000 matrix (section 3.1.4.1), exactly 1,000,000 samples;
// - sanity check (3.1.4.3): X_max, the most occurrences of one value in any
//   row or column, must not exceed a cutoff. The reference simulates the
//   cutoff: the (1 - alpha) quantile of the most common value's count in
//   1000 samples of the "inverted near-uniform" distribution with
//   p = 2^-H_I (floor(1/p) values of probability p and one with the rest),
//   alpha = 1 - 0.99^(1/2000) (about 0.000005), over 5,000,000 simulated
//   rows. We compute the same quantile exactly (MaxCountCdf), so the cutoff
//   is deterministic instead of varying by one now and then;
// - validation (3.1.4.2): H_r and H_c are the non-IID estimates (section
//   6.3, literal samples only, at most `bits`) of the rows concatenated and
//   of the columns concatenated; it passes when min(H_r, H_c) >= H_I / 2;
// - the result is min(H_r, H_c, H_I). When the sanity check fails, the
//   reference stops there: so do we (no H_r, H_c).
// Pure; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "eval/entropy_assessment.h"

namespace egdstat {

inline constexpr size_t kRestartRows = 1000;
inline constexpr size_t kRestartColumns = 1000;

struct RestartAssessment {
  int bits = 0;
  int alphabet = 0;
  double h_initial = 0;   // H_I, given
  double alpha = 0;       // of the sanity check
  int cutoff = 0;         // X_cutoff: a count above it fails
  int max_row_count = 0;  // X_r
  int max_column_count = 0;  // X_c
  bool sanity_passed = false;
  std::optional<EntropyAssessment> rows, columns;  // absent when the sanity check failed
  double h_r = 0, h_c = 0;
  bool validation_passed = false;
  double min_entropy = 0;  // min(H_r, H_c, H_I), meaningful when both passed
  bool passed() const { return sanity_passed && validation_passed; }
};

// Returns "" and fills *out, or why the data cannot be assessed (not
// 1,000,000 samples, a sample wider than `bits`, one symbol only, H_I outside
// [0, bits]).
std::string AssessRestart(std::span<const uint8_t> data, int bits, double h_initial, RestartAssessment* out);

// alpha = 1 - 0.99^(1/2000): 0.01 shared among the 2000 rows and columns.
double RestartAlpha();
// P(the most common of the values has at most c occurrences) in n samples of
// the inverted near-uniform distribution with largest probability p.
double MaxCountCdf(int c, double p, int n);
// The smallest c with MaxCountCdf(c, 2^-h_initial, 1000) >= 1 - alpha.
int RestartCutoff(double h_initial, double alpha);

}  // namespace egdstat
