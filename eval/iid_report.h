// SPDX-License-Identifier: Apache-2.0
// egd-eval's output for --procedure 90b-iid: an IidAssessment as text for
// people or as one JSON document:
//   {"procedure": "90b-iid", "file": ..., "samples": N, "bits_per_sample": k,
//    "alphabet": A, "seed": S, "iid": true|false, "rejected_by": [names],
//    "permutation_tests": {"shuffles": n, "passed": b,
//        "statistics": {"excursion": {"value": t, "c0": .., "c1": .., "c2": ..,
//                                      "passed": b}, ... 19 in all}}
//        or null when they were not run,
//    "permutation_skipped_because": why they were not run, or null,
//    "chi_square": {"independence": {"score", "df", "p_value", "passed"},
//                   "goodness_of_fit": {...}, "passed": b},
//    "lrs": {"longest": W, "p_col": p, "probability": Pr(X >= 1), "passed": b},
//    "h_original": x, "h_bitstring": y (absent for two symbols),
//    "min_entropy": z (null when the IID assumption is rejected)}
// c0 counts shuffles whose statistic exceeded the original's, c1 equal,
// c2 smaller (the reference's C[i][0..2]).
#pragma once

#include <string>

#include "eval/iid_assessment.h"

namespace egdstat {

std::string FormatIidText(const IidAssessment& a, const std::string& file);
std::string FormatIidJson(const IidAssessment& a, const std::string& file);

}  // namespace egdstat
