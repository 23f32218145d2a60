// SPDX-License-Identifier: Apache-2.0
#include "eval/restart_report.h"

#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "eval/assessment_report.h"

namespace egdstat {

namespace {

using json = nlohmann::ordered_json;

json Estimates(const EntropyAssessment& a) {
  json j = json::object();
  for (const EstimatorResult& r : a.literal) j[r.name] = r.min_entropy;
  return j;
}

}  // namespace

std::string FormatRestartText(const RestartAssessment& a, const std::string& file) {
  std::ostringstream out;
  out << "SP 800-90B restart tests of " << file << ": 1000 restarts x 1000 samples of " << a.bits
      << " bits, " << a.alphabet << " distinct; H_I = " << Fixed(a.h_initial) << "\n";
  out << "Sanity check: most common value count X_r = " << a.max_row_count
      << " (rows), X_c = " << a.max_column_count << " (columns), cutoff " << a.cutoff
      << " (alpha = " << a.alpha << ")  " << (a.sanity_passed ? "pass" : "FAIL") << "\n";
  if (a.rows && a.columns) {
    out << "Validation: H_r = " << Fixed(a.h_r) << " (" << a.rows->decided_by << "), H_c = " << Fixed(a.h_c)
        << " (" << a.columns->decided_by << "), min must be >= H_I/2 = " << Fixed(a.h_initial / 2) << "  "
        << (a.validation_passed ? "pass" : "FAIL") << "\n";
  }
  if (a.passed()) {
    out << "RESULT: restart tests passed; min(H_r, H_c, H_I) = " << Fixed(a.min_entropy) << " per "
        << a.bits << "-bit sample\n";
  } else {
    out << "RESULT: restart tests FAILED ("
        << (a.sanity_passed ? "validation: min(H_r, H_c) < H_I/2" : "sanity check") << ")\n";
  }
  return out.str();
}

std::string FormatRestartJson(const RestartAssessment& a, const std::string& file) {
  json j = {{"procedure", "90b-restart"},
            {"file", file},
            {"bits_per_sample", a.bits},
            {"alphabet", a.alphabet},
            {"h_initial", a.h_initial}};
  j["sanity_check"] = {{"alpha", a.alpha},
                       {"cutoff", a.cutoff},
                       {"max_row_count", a.max_row_count},
                       {"max_column_count", a.max_column_count},
                       {"passed", a.sanity_passed}};
  if (a.rows && a.columns) {
    j["validation"] = {{"h_r", a.h_r},
                       {"h_c", a.h_c},
                       {"passed", a.validation_passed},
                       {"rows", Estimates(*a.rows)},
                       {"columns", Estimates(*a.columns)}};
  }
  j["passed"] = a.passed();
  j["min_entropy"] = a.passed() ? json(a.min_entropy) : json(nullptr);
  return j.dump(2) + "\n";
}

}  // namespace egdstat
