#include "httpd/metrics.h"

#include <sstream>

namespace httpd {
namespace {

constexpr const char* kStates[] = {"standby", "initializing", "running", "failed", "device_lost"};

void Header(std::ostream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

void Metric(std::ostream& out, const char* name, const char* type, const char* help,
            uint64_t value) {
  Header(out, name, type, help);
  out << name << " " << value << "\n";
}

uint64_t Field(const DeviceStatus& s, const char* key) {
  if (!s.reachable || !s.raw.contains(key) || !s.raw[key].is_number_unsigned()) return 0;
  return s.raw[key].get<uint64_t>();
}

void EgddMetrics(std::ostream& out, const DeviceStatus& s) {
  Metric(out, "trng_egdd_up", "gauge", "1 if egdd's control socket answered.", s.reachable);
  Header(out, "trng_device_state", "gauge", "The device state egdd reports (1 = current).");
  for (const char* state : kStates) {
    out << "trng_device_state{state=\"" << state << "\"} " << (s.state == state) << "\n";
  }
  Metric(out, "trng_egdd_pool_bytes", "gauge", "Tested bytes ready in egdd's pool.",
         Field(s, "pool_bytes"));
  Metric(out, "trng_egdd_bytes_served_total", "counter",
         "Bytes egdd served to all its EGD clients.", Field(s, "bytes_served"));
  Metric(out, "trng_egdd_bytes_received_total", "counter", "Bytes egdd read from the device.",
         Field(s, "bytes_received"));
  Metric(out, "trng_egdd_alarms_total", "counter", "Health test alarms raised by egdd.",
         Field(s, "alarms"));
  Metric(out, "trng_egdd_clients", "gauge", "EGD clients connected to egdd.",
         Field(s, "clients"));
}

}  // namespace

uint64_t Metrics::requests(const std::string& endpoint, unsigned code) const {
  auto it = requests_.find({endpoint, code});
  return it == requests_.end() ? 0 : it->second;
}

std::string Metrics::Render(const DeviceStatus& status) const {
  std::ostringstream out;
  EgddMetrics(out, status);
  Metric(out, "trng_httpd_random_bytes_total", "counter",
         "Random bytes trng-httpd took from egdd for its answers.", random_bytes_);
  Metric(out, "trng_httpd_clients", "gauge", "Open HTTP connections.", clients_);
  Metric(out, "trng_httpd_rejected_connections_total", "counter",
         "HTTP connections closed at once because max_clients were open.", rejected_);
  Header(out, "trng_httpd_requests_total", "counter", "HTTP requests by endpoint and status code.");
  for (const auto& [key, n] : requests_) {
    out << "trng_httpd_requests_total{endpoint=\"" << key.first << "\",code=\"" << key.second
        << "\"} " << n << "\n";
  }
  return out.str();
}

}  // namespace httpd
