// Counters for /metrics and their rendering in the Prometheus text exposition
// format (version 0.0.4). Single-threaded like the rest of trng-httpd.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "httpd/api.h"

namespace httpd {

class Metrics {
 public:
  void CountRequest(const std::string& endpoint, unsigned code) { ++requests_[{endpoint, code}]; }
  void AddRandomBytes(uint64_t n) { random_bytes_ += n; }
  void ClientOpened() { ++clients_; }
  void ClientClosed() { --clients_; }
  void ClientRejected() { ++rejected_; }

  uint64_t clients() const { return clients_; }
  uint64_t requests(const std::string& endpoint, unsigned code) const;

  // The exposition text, with egdd's last known status.
  std::string Render(const DeviceStatus& status) const;

 private:
  std::map<std::pair<std::string, unsigned>, uint64_t> requests_;
  uint64_t random_bytes_ = 0;
  uint64_t clients_ = 0;
  uint64_t rejected_ = 0;
};

}  // namespace httpd
