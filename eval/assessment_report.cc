// SPDX-License-Identifier: Apache-2.0
#include "eval/assessment_report.h"

#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

namespace egdstat {

std::string Fixed(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

namespace {

using json = nlohmann::ordered_json;

void Table(std::ostringstream& out, const char* label, const std::vector<EstimatorResult>& results,
           const char* per) {
  out << label << " (min-entropy per " << per << "):\n";
  for (const EstimatorResult& r : results) {
    out << "  " << r.name << std::string(r.name.size() < 20 ? 20 - r.name.size() : 1, ' ')
        << Fixed(r.min_entropy) << "\n";
  }
}

json Estimates(const std::vector<EstimatorResult>& results) {
  json j = json::object();
  for (const EstimatorResult& r : results) j[r.name] = r.min_entropy;
  return j;
}

}  // namespace

std::string FormatAssessmentText(const EntropyAssessment& a, const std::string& file) {
  std::ostringstream out;
  out << "SP 800-90B non-IID assessment of " << file << ": " << a.samples << " samples of "
      << a.bits << " bits, " << a.alphabet << " distinct\n";
  Table(out, a.bitstring.empty() ? "samples" : "literal samples", a.literal, "sample");
  if (!a.bitstring.empty()) Table(out, "bitstring", a.bitstring, "bit");
  out << "H_original: " << Fixed(a.h_original) << "\n";
  if (a.h_bitstring) out << "H_bitstring: " << Fixed(*a.h_bitstring) << "\n";
  out << "RESULT: min-entropy " << Fixed(a.min_entropy) << " per " << a.bits << "-bit sample"
      << (a.decided_by.empty() ? std::string(" (no estimate below the maximum)")
                               : " (set by the " + a.decided_by + " estimate)")
      << "\n";
  return out.str();
}

std::string FormatAssessmentJson(const EntropyAssessment& a, const std::string& file) {
  json j = {{"file", file},
            {"samples", a.samples},
            {"bits_per_sample", a.bits},
            {"alphabet", a.alphabet},
            {"h_original", a.h_original}};
  if (a.h_bitstring) j["h_bitstring"] = *a.h_bitstring;
  j["min_entropy"] = a.min_entropy;
  j["decided_by"] = a.decided_by;
  j["estimators"] = {{"literal", Estimates(a.literal)}};
  if (!a.bitstring.empty()) j["estimators"]["bitstring"] = Estimates(a.bitstring);
  return j.dump(2) + "\n";
}

}  // namespace egdstat
