// SPDX-License-Identifier: Apache-2.0
// Test-only: NIST's SP 800-90B self-test data (tests/data/sp800-90b/: sample
// files in bin/, the reference implementation's verbose results in refdata/).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eval/entropy_samples.h"

namespace egdstat::testing {

// The reference's self-test counts any difference below this as agreement.
inline constexpr double kNistTolerance = 1e-6;

// One refdata/NAME.res file: what ea_non_iid -vv printed for bin/NAME.bin.
struct NistResult {
  size_t samples = 0;  // "Loaded N samples of A distinct K-bit-wide symbols"
  int alphabet = 0;
  int bits = 0;
  // "<Literal|Bitstring> <estimator> Estimate: <name> = <value>" and the summary
  // lines ("H_original", "H_bitstring", "Assessed min entropy"), keyed by the
  // text before " = " or ": ".
  std::map<std::string, double> values;
  std::vector<std::string> lines;  // every line, for the verdicts that carry no value
  std::optional<double> Get(const std::string& key) const;
  bool Says(const std::string& line) const;  // `line` is one of them
};

// The names of the sample files NIST's self-test runs (bin/*.bin with a .res).
std::vector<std::string> NistDataNames();
NistResult LoadNistResult(const std::string& name);   // throws std::runtime_error
std::vector<uint8_t> LoadNistSamples(const std::string& name);
// bin/NAME.bin prepared as the reference prepared it (the bit width of its
// .res); throws std::runtime_error if that fails.
EntropySamples LoadNistPrepared(const std::string& name, const NistResult& ref);

}  // namespace egdstat::testing
