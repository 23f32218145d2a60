// SPDX-License-Identifier: Apache-2.0
#include "eval/iid_report.h"

#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "eval/assessment_report.h"

namespace egdstat {

namespace {

using json = nlohmann::ordered_json;

const char* PassFail(bool passed) { return passed ? "pass" : "FAIL"; }

void ChiSquareLine(std::ostringstream& out, const char* name, const ChiSquareResult& r) {
  out << "  " << name << ": T = " << Fixed(r.score, 3) << ", df = " << r.df
      << ", p-value = " << Fixed(r.p_value) << "  " << PassFail(r.passed) << "\n";
}

json ChiSquareJson(const ChiSquareResult& r) {
  return {{"score", r.score}, {"df", r.df}, {"p_value", r.p_value}, {"passed", r.passed}};
}

// Why the permutation tests did not run (IidAssessment::permutation absent):
// then rejected_by names only the chi-square and LRS tests.
std::string SkippedBecause(const IidAssessment& a) {
  std::string names;
  for (const std::string& name : a.rejected_by) names += (names.empty() ? "" : ", ") + name;
  return "the IID assumption is already rejected by " + names +
         "; --all-tests runs them as NIST's ea_iid does";
}

void PermutationTable(std::ostringstream& out, const PermutationResult& p, uint64_t seed) {
  out << "Permutation tests (" << p.shuffles << " shuffles, seed " << seed
      << "; C0 shuffled > original, C1 equal, C2 smaller; a statistic fails when C0+C1 <= 5 or "
         "C1+C2 <= 5):\n";
  char line[160];
  std::snprintf(line, sizeof line, "  %-24s %16s %7s %7s %7s\n", "statistic", "original", "C0", "C1", "C2");
  out << line;
  for (size_t i = 0; i < kPermutationStatistics; ++i) {
    const PermutationCount& c = p.counts[i];
    std::snprintf(line, sizeof line, "  %-24s %16.6f %7u %7u %7u  %s\n", kPermutationStatisticNames[i],
                  p.original[i], c.c0, c.c1, c.c2, PassFail(c.Passed()));
    out << line;
  }
}

json PermutationJson(const PermutationResult& p) {
  json statistics = json::object();
  for (size_t i = 0; i < kPermutationStatistics; ++i) {
    const PermutationCount& c = p.counts[i];
    statistics[kPermutationStatisticNames[i]] = {
        {"value", p.original[i]}, {"c0", c.c0}, {"c1", c.c1}, {"c2", c.c2}, {"passed", c.Passed()}};
  }
  return {{"shuffles", p.shuffles}, {"passed", p.passed}, {"statistics", statistics}};
}

}  // namespace

std::string FormatIidText(const IidAssessment& a, const std::string& file) {
  std::ostringstream out;
  out << "SP 800-90B IID tests of " << file << ": " << a.samples << " samples of " << a.bits
      << " bits, " << a.alphabet << " distinct\n";
  out << "Chi-square tests (p-value must be >= 0.001):\n";
  ChiSquareLine(out, "independence", a.independence);
  ChiSquareLine(out, "goodness of fit", a.goodness_of_fit);
  out << "Longest repeated substring: W = " << a.lrs.longest << ", P_col = " << Fixed(a.lrs.p_col)
      << ", Pr(X >= 1) = " << Fixed(a.lrs.probability) << "  " << PassFail(a.lrs.passed) << "\n";
  if (a.permutation) {
    PermutationTable(out, *a.permutation, a.seed);
  } else {
    out << "Permutation tests not run: " << SkippedBecause(a) << "\n";
  }
  out << "H_original: " << Fixed(a.h_original) << "\n";
  if (a.h_bitstring) out << "H_bitstring: " << Fixed(*a.h_bitstring) << "\n";
  if (a.iid) {
    out << "RESULT: IID assumption holds; min-entropy " << Fixed(a.min_entropy) << " per " << a.bits
        << "-bit sample (min(H_original, " << a.bits << " x H_bitstring))\n";
  } else {
    out << "RESULT: IID assumption rejected by";
    for (const std::string& name : a.rejected_by) out << " " << name;
    out << "; assess with --procedure 90b (non-IID track)\n";
  }
  return out.str();
}

std::string FormatIidJson(const IidAssessment& a, const std::string& file) {
  json j = {{"procedure", "90b-iid"},
            {"file", file},
            {"samples", a.samples},
            {"bits_per_sample", a.bits},
            {"alphabet", a.alphabet},
            {"seed", a.seed},
            {"iid", a.iid},
            {"rejected_by", a.rejected_by}};
  j["permutation_tests"] = a.permutation ? PermutationJson(*a.permutation) : json(nullptr);
  j["permutation_skipped_because"] = a.permutation ? json(nullptr) : json(SkippedBecause(a));
  j["chi_square"] = {{"independence", ChiSquareJson(a.independence)},
                     {"goodness_of_fit", ChiSquareJson(a.goodness_of_fit)},
                     {"passed", a.independence.passed && a.goodness_of_fit.passed}};
  j["lrs"] = {{"longest", a.lrs.longest},
              {"p_col", a.lrs.p_col},
              {"probability", a.lrs.probability},
              {"passed", a.lrs.passed}};
  j["h_original"] = a.h_original;
  if (a.h_bitstring) j["h_bitstring"] = *a.h_bitstring;
  j["min_entropy"] = a.iid ? json(a.min_entropy) : json(nullptr);
  return j.dump(2) + "\n";
}

}  // namespace egdstat
