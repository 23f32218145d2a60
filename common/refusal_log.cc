// SPDX-License-Identifier: Apache-2.0
#include "common/refusal_log.h"

namespace egd {

std::string RefusalLog::Verdict::Note(const std::string& key) const {
  if (total <= 1) return "";
  return " (refusal " + std::to_string(total) + " of " + key + "; " + std::to_string(unlogged) +
         " not logged since the last line)";
}

RefusalLog::Verdict RefusalLog::Record(const std::string& key, Clock::time_point now) {
  auto [it, fresh] = entries_.try_emplace(key);
  Entry& e = it->second;
  ++e.total;
  e.last_seen = now;
  Verdict v;
  v.total = e.total;
  if (fresh || now - e.logged >= kInterval) {
    v.log = true;
    v.unlogged = e.unlogged;
    e.unlogged = 0;
    e.logged = now;
  } else {
    ++e.unlogged;
  }
  if (fresh) Evict(key);
  return v;
}

uint64_t RefusalLog::Total(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.total;
}

void RefusalLog::Evict(const std::string& keep) {
  while (entries_.size() > kMaxKeys) {
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == keep) continue;
      if (oldest == entries_.end() || it->second.last_seen < oldest->second.last_seen) oldest = it;
    }
    entries_.erase(oldest);
  }
}

}  // namespace egd
