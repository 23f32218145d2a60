// SPDX-License-Identifier: Apache-2.0
// egd-eval's output for --procedure 90b-restart: a RestartAssessment as text
// or as one JSON document:
//   {"procedure": "90b-restart", "file": ..., "bits_per_sample": k,
//    "alphabet": A, "h_initial": H_I,
//    "sanity_check": {"alpha": a, "cutoff": X_cutoff, "max_row_count": X_r,
//                     "max_column_count": X_c, "passed": b},
//    "validation": {"h_r": x, "h_c": y, "passed": b,
//                   "rows": {estimator: value, ...}, "columns": {...}}
//                  (absent when the sanity check failed),
//    "passed": b, "min_entropy": min(H_r, H_c, H_I) or null when not passed}
#pragma once

#include <string>

#include "eval/restart_assessment.h"

namespace egdstat {

std::string FormatRestartText(const RestartAssessment& a, const std::string& file);
std::string FormatRestartJson(const RestartAssessment& a, const std::string& file);

}  // namespace egdstat
