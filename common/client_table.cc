// SPDX-License-Identifier: Apache-2.0
#include "common/client_table.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace egd {

void ClientTable::Configure(size_t rate, size_t burst) {
  rate_ = rate;
  burst_ = burst;
  for (auto& [address, e] : entries_) e.tokens = std::min(e.tokens, static_cast<double>(burst));
}

ClientTable::Entry& ClientTable::Refill(const std::string& address, Clock::time_point now) {
  auto [it, fresh] = entries_.try_emplace(address);
  Entry& e = it->second;
  if (fresh) {
    e.tokens = static_cast<double>(burst_);
    e.refilled = now;
  }
  double seconds = std::chrono::duration<double>(now - e.refilled).count();
  e.tokens = std::min(static_cast<double>(burst_), e.tokens + seconds * static_cast<double>(rate_));
  e.refilled = now;
  e.last_seen = now;
  return e;
}

void ClientTable::Connect(const std::string& address, Clock::time_point now) {
  Entry& e = Refill(address, now);
  ++e.connections;
  ++e.connections_total;
  EvictIdle();
}

void ClientTable::Disconnect(const std::string& address, Clock::time_point now) {
  auto it = entries_.find(address);
  if (it == entries_.end() || it->second.connections == 0) return;
  --it->second.connections;
  it->second.last_seen = now;
  EvictIdle();
}

size_t ClientTable::Connections(const std::string& address) const {
  auto it = entries_.find(address);
  return it == entries_.end() ? 0 : it->second.connections;
}

size_t ClientTable::Allowance(const std::string& address, Clock::time_point now) {
  if (rate_ == 0) return std::numeric_limits<size_t>::max();
  return static_cast<size_t>(std::floor(Refill(address, now).tokens));
}

ClientTable::Clock::duration ClientTable::WaitFor(const std::string& address, size_t n,
                                                  Clock::time_point now) {
  if (rate_ == 0) return Clock::duration::zero();
  double missing = static_cast<double>(n) - Refill(address, now).tokens;
  if (missing <= 0) return Clock::duration::zero();
  auto wait = std::chrono::duration<double>(missing / static_cast<double>(rate_));
  return std::chrono::duration_cast<Clock::duration>(wait) + std::chrono::milliseconds(1);
}

void ClientTable::Served(const std::string& address, size_t n) {
  auto it = entries_.find(address);
  if (it == entries_.end()) return;
  it->second.bytes_served += n;
  if (rate_ > 0) it->second.tokens -= static_cast<double>(n);
}

void ClientTable::EvictIdle() {
  size_t idle = 0;
  for (const auto& [a, e] : entries_) idle += e.connections == 0;
  while (idle > kMaxIdle) {
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.connections == 0 &&
          (oldest == entries_.end() || it->second.last_seen < oldest->second.last_seen)) {
        oldest = it;
      }
    }
    entries_.erase(oldest);
    --idle;
  }
}

nlohmann::json ClientTable::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [address, e] : entries_) {
    list.push_back({{"address", address},
                    {"connections", e.connections},
                    {"connections_total", e.connections_total},
                    {"bytes_served", e.bytes_served}});
  }
  return list;
}

}  // namespace egd
