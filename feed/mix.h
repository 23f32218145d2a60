// SPDX-License-Identifier: Apache-2.0
// Several EGD servers per client, mixed: which hosts a feed reads from
// (HostPool) and how their bytes are combined (MixInputs), so that no single
// host decides what the kernel gets.
//
// Pure: no sockets, no clock of its own (every call takes `now`), randomness
// from the caller (the backoff's jitter). The Feeder reads the same number of
// bytes from each chosen host concurrently (one connection each, separate TLS
// tunnels), so no host sees another's bytes before it has sent its own.
//
// The construction (feed/README.md, "Several hosts, mixed"): for output block
// j (64 bytes, the last one truncated),
//   out_j = BLAKE2b-512("egd-feed mix v1" || LE64(k) || LE64(n) || LE64(j) ||
//                       in_1[j] || in_2[j] || ... || in_k[j])
// where in_i[j] is the j-th 64-byte block of host i's n bytes. If any one
// in_i[j] is unknown to an attacker (who may choose all the others, and knows
// the construction), out_j is unpredictable to it (BLAKE2b as a PRF/random
// oracle); block by block, so each 64-byte output block carries up to 512 bits
// of the honest host's block and a long feed is not capped at one hash's
// worth. The domain string, k, n and j keep outputs of different feeds and
// blocks apart.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/secure_memory.h"
#include "feed/backoff.h"
#include "feed/schedule.h"

namespace feed {

constexpr size_t kMaxMix = 16;  // mix: [1, this]; also the most servers
constexpr size_t kMixBlock = 64;

// Combines k >= 1 inputs of n bytes each (equal sizes) into n bytes, as above.
// With k == 1 the single input is still hashed (a host short of its peers
// never reaches the kernel raw when mixing is configured).
egd::SecureBytes MixInputs(const std::vector<const egd::SecureBytes*>& inputs);

// The hosts of one client, each with its own backoff. A host that failed
// waits out its delay ("backing off") while the others are read; a host whose
// delay has passed is tried again at the next feed.
//
// Choice, for k >= 2: the hosts not backing off, in round-robin order from a
// cursor that advances by one each feed, so with more hosts than k the load and
// the trust rotate over all healthy ones; a host that comes back joins at once.
// For k = 1 (no mixing): the first listed host not backing off (failover, as
// stunnel's failover = prio). With every host backing off, the one due back
// soonest (the Schedule's backoff then spaces the feeds).
class HostPool {
 public:
  HostPool(size_t hosts, BackoffConfig backoff, Backoff::Uniform uniform);

  size_t size() const { return hosts_.size(); }
  // Up to k distinct host indexes (at least one if there is any host).
  std::vector<size_t> Choose(size_t k, TimePoint now);
  // Host i's read succeeded / failed; Failed returns its delay.
  void Succeeded(size_t i);
  std::chrono::milliseconds Failed(size_t i, TimePoint now);
  // Host i is no longer backing off at `now`.
  bool Available(size_t i, TimePoint now) const { return hosts_[i].retry_at <= now; }
  size_t AvailableCount(TimePoint now) const;
  // When the earliest backing-off host may be tried again (max(): none is).
  TimePoint NextRetry(TimePoint now) const;
  int failures(size_t i) const { return hosts_[i].backoff.failures(); }
  uint64_t failures_total(size_t i) const { return hosts_[i].failures_total; }
  // New backoff settings (failure counts kept).
  void Reconfigure(const BackoffConfig& backoff);

 private:
  struct Host {
    Backoff backoff;
    TimePoint retry_at{};
    uint64_t failures_total = 0;
  };
  std::vector<Host> hosts_;
  size_t cursor_ = 0;
};

// Whether a feed had all the hosts it should mix; the Feeder logs a change
// of this state once (not at every feed) and credits nothing while short.
struct MixOutcome {
  size_t wanted = 1;  // mix
  size_t got = 0;     // hosts whose bytes went into the feed
  bool full() const { return got >= wanted; }
};

// Tracks the outcome across feeds: Update returns a line to log when the
// state changed (full <-> short, or short by a different count), else nullopt.
class MixState {
 public:
  std::optional<std::string> Update(const MixOutcome& outcome, const std::string& detail);
  uint64_t full_feeds() const { return full_; }
  uint64_t short_feeds() const { return short_; }

 private:
  std::optional<size_t> last_got_;  // nullopt: no feed yet
  bool last_full_ = true;
  uint64_t full_ = 0;
  uint64_t short_ = 0;
};

}  // namespace feed
