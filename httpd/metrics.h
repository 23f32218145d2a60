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
  void SetEventStreams(uint64_t n) { event_streams_ = n; }
  // A connection closed at once: "max_clients", "per_address",
  // "untrusted_proxy_peer", "bad_proxy_header", "proxy_header_not_expected".
  void ConnectionRefused(const std::string& reason) { ++connections_refused_[reason]; }
  // A request refused before any work: "host", "cross_site", "role", "rate_limit",
  // "max_streams", "max_streams_per_address" (the status view's event streams).
  void RequestRefused(const std::string& reason) { ++requests_refused_[reason]; }

  uint64_t clients() const { return clients_; }
  uint64_t requests(const std::string& endpoint, unsigned code) const;
  uint64_t connections_refused(const std::string& reason) const;

  // The exposition text, with egdd's last known status.
  std::string Render(const DeviceStatus& status) const;

 private:
  std::map<std::pair<std::string, unsigned>, uint64_t> requests_;
  uint64_t random_bytes_ = 0;
  uint64_t clients_ = 0;
  uint64_t event_streams_ = 0;
  std::map<std::string, uint64_t> connections_refused_;
  std::map<std::string, uint64_t> requests_refused_;
};

}  // namespace httpd
