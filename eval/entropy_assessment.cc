// SPDX-License-Identifier: Apache-2.0
#include "eval/entropy_assessment.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <optional>
#include <span>
#include <utility>

#include "eval/entropy_estimators.h"
#include "eval/estimate_binary.h"
#include "eval/estimate_predictors.h"
#include "eval/estimate_tuple.h"

namespace egdstat {

namespace {

using Samples = std::span<const uint8_t>;

// An estimate, or nothing where the data is too short for it (the reference
// leaves such an estimate out of the minimum).
using Estimate = std::optional<double>;

template <typename R>
Estimate IfComputed(const R& r) {
  return r.computed ? Estimate(r.min_entropy) : std::nullopt;
}
template <typename R>
Estimate IfValid(const R& r) {
  return r.valid ? Estimate(r.min_entropy) : std::nullopt;
}
Estimate IfRan(const std::optional<PredictorEstimate>& r) {
  return r ? Estimate(r->min_entropy) : std::nullopt;
}

// One sample sequence and what several estimators share: the repeat profile
// of t-tuple and LRS is built once, by the first that needs it.
struct Input {
  Samples samples;
  int alphabet;
  std::optional<RepeatProfile> repeats;
  const RepeatProfile& Repeats() {
    if (!repeats) repeats = AnalyzeRepeats(samples, alphabet);
    return *repeats;
  }
};

struct Estimator {
  const char* name;
  bool binary_only;  // collision, Markov, compression: binary data only
  Estimate (*run)(Input& in);
};

// The standard's order (6.3.1 to 6.3.10).
constexpr Estimator kEstimators[] = {
    {"most_common_value", false,
     [](Input& in) { return Estimate(EstimateMostCommonValue(in.samples, in.alphabet).min_entropy); }},
    {"collision", true, [](Input& in) { return IfComputed(EstimateCollision(in.samples)); }},
    {"markov", true, [](Input& in) { return IfComputed(EstimateMarkov(in.samples)); }},
    {"compression", true, [](Input& in) { return IfComputed(EstimateCompression(in.samples)); }},
    {"t_tuple", false, [](Input& in) { return IfValid(EstimateTTuple(in.Repeats())); }},
    {"lrs", false, [](Input& in) { return IfValid(EstimateLrs(in.Repeats())); }},
    {"multi_mcw", false, [](Input& in) { return IfRan(EstimateMultiMcw(in.samples, in.alphabet)); }},
    {"lag", false, [](Input& in) { return IfRan(EstimateLag(in.samples, in.alphabet)); }},
    {"multi_mmc", false, [](Input& in) { return IfRan(EstimateMultiMmc(in.samples, in.alphabet)); }},
    {"lz78y", false, [](Input& in) { return IfRan(EstimateLz78y(in.samples, in.alphabet)); }},
};

size_t EstimatorCount(bool binary) {
  return static_cast<size_t>(std::count_if(std::begin(kEstimators), std::end(kEstimators),
                                           [&](const Estimator& e) { return binary || !e.binary_only; }));
}

// Counts estimators run across RunAll calls for AssessNonIid's `progress`.
struct EstimatorProgress {
  const ProgressFn& report;
  size_t done = 0;
  size_t total = 0;
};

std::vector<EstimatorResult> RunAll(Samples samples, int alphabet, bool binary,
                                    EstimatorProgress* progress) {
  std::vector<EstimatorResult> out;
  Input in{samples, alphabet, std::nullopt};
  for (const Estimator& e : kEstimators) {
    if (e.binary_only && !binary) continue;
    const auto start = std::chrono::steady_clock::now();
    const Estimate h = e.run(in);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    if (h) out.push_back({e.name, *h, took.count()});
    if (progress->report) progress->report(++progress->done, progress->total);
  }
  return out;
}

// The lowest estimate, at most `cap` (the entropy of a uniform sample: the
// reference starts its minimum there); "" names no estimator when the cap wins.
std::pair<double, std::string> Lowest(const std::vector<EstimatorResult>& results, double cap) {
  std::pair<double, std::string> low{cap, ""};
  for (const EstimatorResult& r : results) {
    if (r.min_entropy < low.first) low = {r.min_entropy, r.name};
  }
  return low;
}

}  // namespace

EntropyAssessment AssessNonIid(const EntropySamples& samples, bool with_bitstring,
                               const ProgressFn& report) {
  EntropyAssessment a;
  a.bits = samples.bits;
  a.alphabet = samples.alphabet;
  a.samples = samples.literal.size();
  const bool bitstring_too = samples.alphabet > 2 && with_bitstring;
  EstimatorProgress progress{report, 0,
                             EstimatorCount(samples.binary()) + (bitstring_too ? EstimatorCount(true) : 0)};
  a.literal = RunAll(samples.literal, samples.alphabet, samples.binary(), &progress);
  auto [h_original, literal] = Lowest(a.literal, samples.bits);
  // + 0.0: constant data's -log2(1) is -0, printed "-0.000000" otherwise.
  a.h_original = a.min_entropy = h_original + 0.0;
  a.decided_by = literal.empty() ? "" : "literal " + literal;
  // Constant data (one symbol) gets no bitstring assessment, as in the reference.
  if (!bitstring_too) return a;
  a.bitstring = RunAll(samples.bitstring, 2, true, &progress);
  auto [h_bitstring, bitstring] = Lowest(a.bitstring, 1.0);
  a.h_bitstring = h_bitstring;
  if (samples.bits * h_bitstring < a.min_entropy) {
    a.min_entropy = samples.bits * h_bitstring;
    a.decided_by = bitstring.empty() ? "" : "bitstring " + bitstring;
  }
  return a;
}

}  // namespace egdstat
