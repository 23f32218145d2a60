// Health testing of raw source bytes. HealthGate is the one door between a
// source and the pool: bytes come out of it only after every test covering them
// has passed. On an alarm the whole untested window is discarded.
//
// Tests implemented here: the TRNG manual's PTG.2 total failure test (chunks of
// `chunk` bytes; alarm when one byte value occurs more than `max_identical`
// times in a chunk, which catches a source stuck at any value). Further tests
// (SP 800-90B RCT/APT, startup tests) plug in as more HealthTest checks.
// Pure and single-threaded; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace egd {

struct HealthAlarm {
  std::string test;    // e.g. "total_failure"
  std::string detail;  // human-readable: what was seen
};

struct TotalFailureParams {
  size_t chunk = 100;        // bytes per test
  size_t max_identical = 6;  // alarm when a value occurs more often than this
};

// Returns an alarm when `chunk` (exactly params.chunk bytes) fails the test.
std::optional<HealthAlarm> TotalFailureCheck(std::span<const uint8_t> chunk,
                                             const TotalFailureParams& params);

class HealthGate {
 public:
  explicit HealthGate(TotalFailureParams params) : params_(params) {}

  // Feeds raw bytes in source order. Appends to *passed every byte whose chunk
  // completed and passed. On the first failing chunk returns the alarm, drops
  // that chunk and every byte after it in `raw`, and stays empty.
  std::optional<HealthAlarm> Push(std::span<const uint8_t> raw, std::vector<uint8_t>* passed);

  // Discards the untested window (bytes of an incomplete chunk).
  void Reset() { window_.clear(); }

  size_t pending() const { return window_.size(); }
  uint64_t chunks_tested() const { return chunks_tested_; }

 private:
  TotalFailureParams params_;
  std::vector<uint8_t> window_;
  uint64_t chunks_tested_ = 0;
};

}  // namespace egd
