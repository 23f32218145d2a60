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
  Header(out, "trng_egdd_connections_refused_total", "counter",
         "EGD connections egdd closed at once: max_clients, max_clients_per_address, or a "
         "PROXY header it does not take.");
  for (const char* reason : {"max_clients", "per_address", "proxy"}) {
    uint64_t n = 0;
    if (s.reachable && s.raw.contains("connections_refused")) {
      const auto& r = s.raw["connections_refused"];
      if (r.is_object() && r.contains(reason) && r[reason].is_number_unsigned()) n = r[reason];
    }
    out << "trng_egdd_connections_refused_total{reason=\"" << reason << "\"} " << n << "\n";
  }
}

// A counter with one label, every value listed in `always` shown (0 if never counted).
void Labelled(std::ostream& out, const char* name, const char* help, const char* label,
              std::initializer_list<const char*> always,
              const std::map<std::string, uint64_t>& counts) {
  Header(out, name, "counter", help);
  std::map<std::string, uint64_t> all(counts);
  for (const char* value : always) all.try_emplace(value, 0);
  for (const auto& [value, n] : all) {
    out << name << "{" << label << "=\"" << value << "\"} " << n << "\n";
  }
}

}  // namespace

uint64_t Metrics::connections_refused(const std::string& reason) const {
  auto it = connections_refused_.find(reason);
  return it == connections_refused_.end() ? 0 : it->second;
}

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
  Labelled(out, "trng_httpd_connections_refused_total",
           "HTTP connections closed at once, by reason.", "reason",
           {"max_clients", "per_address", "untrusted_proxy_peer", "bad_proxy_header",
            "proxy_header_not_expected"},
           connections_refused_);
  Labelled(out, "trng_httpd_requests_refused_total",
           "Requests refused by the access policy or the rate limit, by reason.", "reason",
           {"host", "cross_site", "role", "rate_limit"}, requests_refused_);
  Header(out, "trng_httpd_requests_total", "counter", "HTTP requests by endpoint and status code.");
  for (const auto& [key, n] : requests_) {
    out << "trng_httpd_requests_total{endpoint=\"" << key.first << "\",code=\"" << key.second
        << "\"} " << n << "\n";
  }
  return out.str();
}

}  // namespace httpd
