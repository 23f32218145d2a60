// SPDX-License-Identifier: Apache-2.0
// ClientTable: what a daemon (egdd, trng-httpd) knows per client key
// (common/client_address.h: the PROXY header's source address behind stunnel,
// else the peer's address, grouped by prefix; "uid:N" for a local unix peer):
// connections, bytes served, and the per-client rate limit (a token bucket of
// `burst` bytes refilled at `rate` bytes/s; rate 0 = unlimited).
// Addresses without connections are kept for statistics up to kMaxIdle, the
// least recently seen dropped first. Pure: time is passed in; single-threaded.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace egd {

class ClientTable {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxIdle = 1024;

  void Configure(size_t rate, size_t burst);
  void Connect(const std::string& address, Clock::time_point now);
  void Disconnect(const std::string& address, Clock::time_point now);
  // Open connections of `address` (for max_clients_per_address).
  size_t Connections(const std::string& address) const;

  // Bytes `address` may take now (SIZE_MAX when unlimited).
  size_t Allowance(const std::string& address, Clock::time_point now);
  // How long until `n` bytes are allowed (zero: now).
  Clock::duration WaitFor(const std::string& address, size_t n, Clock::time_point now);
  // Records n bytes served (and spends n tokens).
  void Served(const std::string& address, size_t n);

  size_t addresses() const { return entries_.size(); }
  nlohmann::json ToJson() const;

 private:
  struct Entry {
    size_t connections = 0;
    uint64_t connections_total = 0;
    uint64_t bytes_served = 0;
    double tokens = 0;
    Clock::time_point refilled;
    Clock::time_point last_seen;
  };
  Entry& Refill(const std::string& address, Clock::time_point now);
  void EvictIdle();

  size_t rate_ = 0;
  size_t burst_ = 4096;
  std::map<std::string, Entry> entries_;
};

}  // namespace egd
