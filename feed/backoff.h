// SPDX-License-Identifier: Apache-2.0
// Reconnect backoff: exponential with jitter, so that many feeders that lost
// the same server do not come back in lockstep (no reconnect storms).
//
// Pure: no clock, no sockets. Randomness comes from a function the caller
// supplies (the daemon uses libsodium; tests pass fixed values).
//
// After the k-th consecutive failure (k = 1, 2, ...) the base delay is
// min(max, initial * 2^(k-1)) and the delay is drawn uniformly from
// [base * (1 - jitter), base]. Reset() after a successful read starts again at k = 1.
#pragma once

#include <chrono>
#include <functional>

namespace feed {

struct BackoffConfig {
  std::chrono::milliseconds initial{1000};  // base delay after the first failure
  std::chrono::milliseconds max{300000};    // the base stops doubling here
  double jitter = 0.5;                      // fraction of the base that is random, [0, 1]
};

class Backoff {
 public:
  using Uniform = std::function<double()>;  // returns a value in [0, 1)

  Backoff(BackoffConfig config, Uniform uniform);

  // Counts one more failure and returns how long to wait before the next attempt.
  std::chrono::milliseconds Next();
  // A read succeeded: the next failure waits `initial` again.
  void Reset() { failures_ = 0; }
  // New settings; the failure count is kept.
  void Reconfigure(const BackoffConfig& config) { config_ = config; }

  int failures() const { return failures_; }
  // The base delay of failure number k (k >= 1), before jitter.
  std::chrono::milliseconds Base(int k) const;

 private:
  BackoffConfig config_;
  Uniform uniform_;
  int failures_ = 0;
};

}  // namespace feed
