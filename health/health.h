// Health testing of raw source bytes. HealthGate is the one door between a
// source and the pool: a byte comes out only after every test covering it has
// passed; on an alarm every byte not yet released (the failing window) is
// discarded and the gate starts afresh.
//
// Tests, all on the raw stream in source order:
// - the TRNG manual's PTG.2 total failure test: chunks of `chunk` bytes; alarm
//   when any one byte value occurs more than `max_identical` times in a chunk
//   (so a source stuck at any value fails within one chunk);
// - SP 800-90B 4.4 repetition count and adaptive proportion tests
//   (health/sp800_90b.h), continuously;
// - a startup window of the first `startup_bytes` after every power-on: no
//   byte is released before the tests above have run over all of it (SP
//   800-90B 4.3) and the caller's startup test, if any (e.g. the FIPS 140-2 /
//   AIS 31 T1-T4 block tests), has passed on it. startup_bytes = 0: none.
//   A failing startup test is repeated once on the next window (AIS 31's rule
//   for its basic tests), the failed window being dropped; a second failure
//   is the alarm.
// Memory: the unreleased window is held in secure memory (common/secure_memory.h)
// and wiped whenever it is dropped (alarm, Restart) or released; callers that
// want the gate's small fixed state (ContinuousTests' partial block) out of
// core dumps too allocate the gate itself in secure memory.
// Pure and single-threaded; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/secure_memory.h"
#include "health/sp800_90b.h"

namespace egd {

struct HealthAlarm {
  std::string test;    // "total_failure", "repetition_count", "adaptive_proportion", "startup"
  std::string detail;  // human-readable: what was seen
  size_t discarded = 0;  // bytes of the failing window dropped with it
};

struct TotalFailureParams {
  size_t chunk = 100;        // bytes per test
  size_t max_identical = 12;  // alarm when one value occurs more often than this
};

struct HealthParams {
  TotalFailureParams total_failure;
  ContinuousParams continuous;
  size_t startup_bytes = 2500;  // 20,000 bits: one FIPS 140-2 / AIS 31 block
};

// Returns an alarm when `chunk` fails the total failure test. `max_count`, if
// given, receives the count of the chunk's most frequent byte value (on a
// failure: max_identical + 1, where the test stopped).
std::optional<HealthAlarm> TotalFailureCheck(std::span<const uint8_t> chunk,
                                             const TotalFailureParams& params,
                                             uint32_t* max_count = nullptr);

// What one test has done. `passed` counts test units: total failure chunks,
// windows of the continuous tests (the RCT runs per sample; it is reported
// per APT window), startup windows. `failed` counts alarms it raised.
struct TestCounters {
  uint64_t passed = 0;
  uint64_t failed = 0;
  uint64_t last_statistic = 0;  // of the last unit that passed (HealthStats says which)
};

// Counters of every test. Last statistics: total_failure, the count of the
// most frequent byte value in the last chunk; repetition_count, the longest
// run of identical samples in the last window (ContinuousTests::
// last_longest_run); adaptive_proportion, the matches of the window's first
// sample; startup has none.
struct HealthStats {
  TestCounters total_failure, repetition_count, adaptive_proportion, startup;
  uint64_t startup_repeats = 0;  // startup windows that failed once and were repeated
  // Adds counts; the last statistics become `other`'s when it has any.
  HealthStats& operator+=(const HealthStats& other);
  TestCounters* Find(const std::string& test);  // by alarm test name, or null
  const TestCounters* Find(const std::string& test) const;
};

// Startup test over exactly HealthParams::startup_bytes bytes.
using StartupTest = std::function<std::optional<HealthAlarm>(std::span<const uint8_t>)>;

class HealthGate {
 public:
  explicit HealthGate(HealthParams params, StartupTest startup = nullptr);

  // Feeds raw bytes in source order; appends to *passed the bytes every
  // covering test has passed. On an alarm, returns it and discards every
  // unreleased byte (including the rest of `raw`), wiping it; the startup test
  // is then required again.
  std::optional<HealthAlarm> Push(std::span<const uint8_t> raw, SecureBytes* passed);

  // Wipes and forgets the unreleased window; the next bytes must pass the
  // startup test again (call on every power-on of the device).
  void Restart();

  size_t pending() const { return held_.size(); }
  // Bytes dropped without an alarm (a startup window repeated) since the last call.
  size_t TakeDropped();
  // Why the last repeated startup window failed ("" if none did).
  const std::string& last_startup_failure() const { return last_startup_failure_; }
  bool starting() const { return starting_; }
  uint64_t chunks_tested() const { return chunks_tested_; }
  HealthStats stats() const;
  const Cutoffs& cutoffs() const { return continuous_.cutoffs(); }
  const HealthParams& params() const { return params_; }

 private:
  std::optional<HealthAlarm> RunChunkTests();
  std::optional<HealthAlarm> Fail(HealthAlarm alarm);
  std::optional<HealthAlarm> RunStartupTest();
  void PopFront(size_t n);
  void Release(SecureBytes* passed);

  HealthParams params_;
  StartupTest startup_;
  ContinuousTests continuous_;
  SecureBytes held_;            // unreleased bytes, stream offsets [released_, in_);
                                // its capacity beyond size() is always wiped
  uint64_t in_ = 0;             // stream offset: bytes ever fed
  uint64_t released_ = 0;       // stream offset of held_[0]
  uint64_t tf_done_ = 0;        // stream offset up to which total failure chunks passed
  uint64_t startup_end_ = 0;    // stream offset where the startup window ends
  bool starting_ = true;
  bool startup_retried_ = false;  // this power-on's startup test was already repeated
  size_t dropped_ = 0;            // for TakeDropped
  std::string last_startup_failure_;
  uint64_t chunks_tested_ = 0;
  HealthStats stats_;  // failures, startup passes, the last total failure statistic
};

}  // namespace egd
