// SPDX-License-Identifier: Apache-2.0
// Assessment: what egdd knows of its source's min-entropy, from an SP 800-90B
// non-IID assessment (eval/entropy_assessment.h) of its own raw samples, and
// the store that keeps it across restarts, keyed by the device's identity.
//
// AssessRaw is pure and may run on any thread: it unpacks raw source bytes
// into samples of `bits_per_sample` bits (most significant first: 8 samples
// per byte of the wind tunnel's bit stream, 1 per byte of a byte device),
// assesses them, and also runs the FIPS 140-2 block tests on each 20,000-bit
// block of the same bytes (egdd's startup test uses them only for a source
// whose blocks pass: docs/health-tests.md). The samples assessed are never
// served; the copies the estimators make are ordinary heap memory.
//
// AssessmentStore reads and writes one small JSON file per device identity
// in the state directory (assessment-<BLAKE2b of the identity>.json, written
// atomically). Results hold no entropy. Single-threaded.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace egdd {

struct Assessment {
  std::string identity;        // the device it was made on (Source::identity)
  int bits_per_sample = 8;
  uint64_t samples = 0;
  double min_entropy = 0;      // assessed H per sample
  double h_original = 0;
  std::optional<double> h_bitstring;
  std::string decided_by;      // "literal lz78y", "bitstring t_tuple", ...
  int64_t unix_time = 0;       // when it finished
  double seconds = 0;          // how long the estimators took
  uint32_t fips_blocks = 0;    // 20,000-bit blocks of the raw sample bytes
  uint32_t fips_failures = 0;  // blocks failing a FIPS 140-2 block test

  double per_bit() const { return bits_per_sample > 0 ? min_entropy / bits_per_sample : 0; }
  // FIPS 140-2's block tests fit this source: at most max(1, 1 %) of its
  // blocks failed (an ideal source fails ~0.1 %; a biased one, every block).
  bool fips_fits() const { return fips_blocks > 0 && fips_failures <= std::max(1u, fips_blocks / 100); }
};

nlohmann::json ToJson(const Assessment& a);
// Parses what ToJson wrote; nullopt (and *error) for anything else.
std::optional<Assessment> AssessmentFromJson(const nlohmann::json& j, std::string* error);

// Bytes of raw data holding `samples` samples of `bits_per_sample` bits.
size_t RawBytesFor(uint64_t samples, int bits_per_sample);

// Assesses raw source bytes (bits_per_sample 1, 2, 4 or 8); sets everything
// but identity and unix_time.
Assessment AssessRaw(std::span<const uint8_t> raw, int bits_per_sample);

class AssessmentStore {
 public:
  explicit AssessmentStore(std::string dir = "") : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }
  std::string PathFor(const std::string& identity) const;
  // The stored assessment of `identity` with `bits_per_sample`, if any; a
  // damaged or foreign file is reported in *problem and treated as none.
  std::optional<Assessment> Load(const std::string& identity, int bits_per_sample,
                                 std::string* problem) const;
  egd::Status Save(const Assessment& a) const;

 private:
  std::string dir_;
};

}  // namespace egdd
