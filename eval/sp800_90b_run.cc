// SPDX-License-Identifier: Apache-2.0
#include "eval/sp800_90b_run.h"

#include <iostream>

#include "eval/assessment_report.h"
#include "eval/entropy_assessment.h"
#include "eval/entropy_samples.h"
#include "eval/iid_assessment.h"
#include "eval/iid_report.h"
#include "eval/restart_assessment.h"
#include "eval/restart_report.h"

namespace egdstat {

namespace {

int Fail(const std::string& file, const std::string& why) {
  std::cerr << "egd-eval: " << file << ": " << why << "\n";
  return 2;
}

int RunRestart(const CliOptions& o, std::span<const uint8_t> data) {
  RestartAssessment a;
  if (std::string why = AssessRestart(data, o.bits_per_sample, o.h_initial.value_or(0), &a); !why.empty()) {
    return Fail(o.file, why);
  }
  std::cout << (o.json ? FormatRestartJson(a, o.file) : FormatRestartText(a, o.file));
  return 0;
}

}  // namespace

bool IsSp80090bProcedure(const std::string& procedure) {
  return procedure == "90b" || procedure == "90b-iid" || procedure == "90b-restart";
}

int RunSp80090b(const CliOptions& o, std::span<const uint8_t> data) {
  if (o.procedure == "90b-restart") return RunRestart(o, data);
  EntropySamples samples;
  if (std::string why = PrepareSamples(data, o.bits_per_sample, &samples); !why.empty()) return Fail(o.file, why);
  if (o.procedure == "90b") {
    const EntropyAssessment a = AssessNonIid(samples);
    std::cout << (o.json ? FormatAssessmentJson(a, o.file) : FormatAssessmentText(a, o.file));
    return 0;
  }
  // The reference refuses one-symbol data the same way ("No entropy awarded").
  if (samples.alphabet < 2) return Fail(o.file, "one symbol only: no entropy");
  IidOptions options;
  options.permutation.seed = o.seed.value_or(kDefaultIidSeed);
  options.all_tests = o.all_tests;
  const IidAssessment a = AssessIid(data, samples, options);
  std::cout << (o.json ? FormatIidJson(a, o.file) : FormatIidText(a, o.file));
  return 0;
}

}  // namespace egdstat
