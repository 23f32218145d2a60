// SPDX-License-Identifier: Apache-2.0
#include "eval/sp800_90b_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <utility>

#include "common/progress.h"

#include "eval/assessment_report.h"
#include "eval/entropy_assessment.h"
#include "eval/entropy_samples.h"
#include "eval/iid_assessment.h"
#include "eval/iid_report.h"
#include "eval/restart_assessment.h"
#include "eval/restart_report.h"

namespace egdstat {

namespace {

// A long run's progress on standard error: nothing for its first 2 s (most
// runs end sooner), then a bar redrawn in place on a terminal, erased when the
// run ends, or elsewhere a plain line each tenth of the way (or every 10 s).
class ProgressReport {
 public:
  ProgressReport(std::string what, std::string unit)
      : unit_(std::move(unit)),
        writer_(std::cerr, ::isatty(STDERR_FILENO), "egd-eval: " + what + ": ", what + ": ") {}
  ~ProgressReport() { Finish(); }
  ProgressReport(const ProgressReport&) = delete;
  ProgressReport& operator=(const ProgressReport&) = delete;

  ProgressFn Fn() {
    return [this](size_t done, size_t total) { Update(done, total); };
  }
  // Erases the bar (before the result is printed).
  void Finish() { writer_.Erase(); }

 private:
  void Update(size_t done, size_t total) {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    if (elapsed.count() < 2) return;
    writer_.Report({done, total, elapsed.count(), unit_});
  }

  const std::string unit_;
  egd::ProgressWriter writer_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

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
    ProgressReport report("non-IID estimators", "estimators");
    const EntropyAssessment a = AssessNonIid(samples, true, report.Fn());
    report.Finish();
    std::cout << (o.json ? FormatAssessmentJson(a, o.file) : FormatAssessmentText(a, o.file));
    return 0;
  }
  // The reference refuses one-symbol data the same way ("No entropy awarded").
  if (samples.alphabet < 2) return Fail(o.file, "one symbol only: no entropy");
  IidOptions options;
  options.permutation.seed = o.seed.value_or(kDefaultIidSeed);
  options.all_tests = o.all_tests;
  // The shuffles stop early once every statistic is decided: their total is a bound.
  ProgressReport report("permutation tests", "shuffles");
  const IidAssessment a = AssessIid(data, samples, options, report.Fn());
  report.Finish();
  std::cout << (o.json ? FormatIidJson(a, o.file) : FormatIidText(a, o.file));
  return 0;
}

}  // namespace egdstat
