// SPDX-License-Identifier: Apache-2.0
#include "eval/iid_assessment.h"

#include <algorithm>

#include "eval/entropy_estimators.h"

namespace egdstat {

IidAssessment AssessIid(std::span<const uint8_t> raw, const EntropySamples& samples,
                        const IidOptions& options, const ProgressFn& progress) {
  IidAssessment a;
  a.bits = samples.bits;
  a.alphabet = samples.alphabet;
  a.samples = samples.literal.size();
  a.seed = options.permutation.seed;
  a.h_original = EstimateMostCommonValue(samples.literal, samples.alphabet).min_entropy;
  a.min_entropy = std::min<double>(samples.bits, a.h_original);
  if (samples.alphabet > 2) {
    a.h_bitstring = EstimateMostCommonValue(samples.bitstring, 2).min_entropy;
    a.min_entropy = std::min(a.min_entropy, samples.bits * *a.h_bitstring);
  }
  // The deterministic tests first: each takes well under a second.
  a.independence = ChiSquareIndependence(samples.literal, samples.alphabet);
  a.goodness_of_fit = ChiSquareGoodnessOfFit(samples.literal, samples.alphabet);
  a.lrs = LrsTest(samples.literal, samples.alphabet);
  if (!a.independence.passed) a.rejected_by.push_back("chi_square_independence");
  if (!a.goodness_of_fit.passed) a.rejected_by.push_back("chi_square_goodness_of_fit");
  if (!a.lrs.passed) a.rejected_by.push_back("lrs");
  if (a.rejected_by.empty() || options.all_tests) {
    const IidContext context = MakeIidContext(raw, samples.literal, samples.alphabet);
    a.permutation = RunPermutationTests(samples.literal, context, options.permutation, progress);
    for (size_t i = 0; i < kPermutationStatistics; ++i) {
      if (!a.permutation->counts[i].Passed()) a.rejected_by.push_back(kPermutationStatisticNames[i]);
    }
  }
  a.iid = a.rejected_by.empty();
  return a;
}

}  // namespace egdstat
