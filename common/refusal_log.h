// SPDX-License-Identifier: Apache-2.0
// RefusalLog (egdd, trng-httpd): counts refused connections per key (a client key, or a peer
// address) and decides when a refusal is worth a log line, so that a client
// hammering a limit cannot flood the log: the first refusal of a key is
// logged, then at most one line per key per kInterval, carrying how many were
// refused in between. At most kMaxKeys keys are remembered (the least
// recently refused is forgotten first), so memory stays bounded whatever
// addresses clients claim. Pure: time is passed in; single-threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace egd {

class RefusalLog {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kInterval{60};
  static constexpr size_t kMaxKeys = 1024;

  struct Verdict {
    bool log = false;      // write a line for this refusal
    uint64_t unlogged = 0;  // refusals of this key since its last line, this one excluded
    uint64_t total = 0;     // refusals of this key, this one included

    // What a log line adds about the refusals it stands for ("" for the first):
    // " (refusal 7 of KEY; 5 not logged since the last line)".
    std::string Note(const std::string& key) const;
  };

  // Records one refusal of `key` at `now`.
  Verdict Record(const std::string& key, Clock::time_point now);
  // Refusals of `key` since it was first remembered (0 if forgotten).
  uint64_t Total(const std::string& key) const;
  const auto& keys() const { return entries_; }

 private:
  struct Entry {
    uint64_t total = 0;
    uint64_t unlogged = 0;
    Clock::time_point logged;     // when the last line was written
    Clock::time_point last_seen;  // for eviction
  };
  void Evict(const std::string& keep);

  std::map<std::string, Entry> entries_;
};

}  // namespace egd
