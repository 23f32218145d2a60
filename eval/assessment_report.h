// SPDX-License-Identifier: Apache-2.0
// egd-eval's output for --procedure 90b: an EntropyAssessment as text for
// people (every estimator, H_original, H_bitstring, the result and the
// estimator that set it) or as one JSON document:
//   {"file": ..., "samples": N, "bits_per_sample": k, "alphabet": A,
//    "h_original": x, "h_bitstring": y (absent for binary data),
//    "min_entropy": z, "decided_by": "literal lz78y",
//    "estimators": {"literal": {"most_common_value": ..., ...},
//                   "bitstring": {... all ten ...} (absent for binary data)}}
#pragma once

#include <string>

#include "eval/entropy_assessment.h"

namespace egdstat {

// `v` with `digits` decimals ("%.6f"): how every SP 800-90B report prints values.
std::string Fixed(double v, int digits = 6);

std::string FormatAssessmentText(const EntropyAssessment& a, const std::string& file);
std::string FormatAssessmentJson(const EntropyAssessment& a, const std::string& file);

}  // namespace egdstat
