// SPDX-License-Identifier: Apache-2.0
// SP 800-90B section 5 as a whole (the IID track): whether the samples can be
// taken as independent and identically distributed, and if so their
// min-entropy, formed as NIST's reference implementation (ea_iid 1.1.7,
// initial entropy estimate) forms them:
// - the chi-square tests and the LRS test on the literal samples
//   (iid_tests.h), then the permutation tests (iid_permutation.h);
// - the IID assumption holds when all of them pass;
// - H_original = the most common value estimate on the literal samples;
//   H_bitstring = the same on the bitstring, for more than two symbols only;
//   min_entropy = min(bits, H_original, bits x H_bitstring).
// The reference runs every test whatever the others found; we do so only with
// IidOptions::all_tests. By default the cheap deterministic tests (chi-square,
// LRS) run first, and when one of them rejects the IID assumption the verdict
// is final (SP 800-90B section 5: rejected if any test fails), so the
// permutation tests, minutes to an hour on data that is not IID, are not run.
// Either way the verdict (`iid`) is the same; only `rejected_by` may name
// fewer tests. Pure; no I/O.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "eval/entropy_samples.h"
#include "eval/iid_permutation.h"
#include "eval/iid_tests.h"

namespace egdstat {

struct IidOptions {
  PermutationOptions permutation;
  bool all_tests = false;  // run the permutation tests even after a rejection
};

struct IidAssessment {
  int bits = 0;
  int alphabet = 0;
  size_t samples = 0;
  uint64_t seed = 0;
  ChiSquareResult independence;
  ChiSquareResult goodness_of_fit;
  LrsTestResult lrs;
  // Absent when not run: the chi-square or LRS test already rejected the IID
  // assumption and IidOptions::all_tests was not set.
  std::optional<PermutationResult> permutation;
  double h_original = 0;
  std::optional<double> h_bitstring;  // more than two symbols only
  double min_entropy = 0;             // meaningful only when iid
  bool iid = false;
  // "chi_square_independence", "chi_square_goodness_of_fit", "lrs" and the
  // permutation statistics that failed (kPermutationStatisticNames).
  std::vector<std::string> rejected_by;
};

// `raw` the samples as read, `samples` prepared from them (PrepareSamples);
// requires at least two symbols. `progress`: the permutation tests' shuffles.
IidAssessment AssessIid(std::span<const uint8_t> raw, const EntropySamples& samples,
                        const IidOptions& options = {}, const ProgressFn& progress = nullptr);

}  // namespace egdstat
