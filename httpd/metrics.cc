#include "httpd/metrics.h"

#include <cmath>
#include <sstream>

namespace httpd {
namespace {

constexpr const char* kStates[] = {"standby", "initializing", "running", "failed", "device_lost",
                                   "degraded"};

void Header(std::ostream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

void Metric(std::ostream& out, const char* name, const char* type, const char* help,
            uint64_t value) {
  Header(out, name, type, help);
  out << name << " " << value << "\n";
}

// Integers as integers (timestamps, counts), fractions to 10 significant digits.
std::string Num(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9e15) return std::to_string(static_cast<int64_t>(v));
  std::ostringstream o;
  o.precision(10);
  o << v;
  return o.str();
}

// Metric() for a value egdd reports as any JSON number.
void MetricNum(std::ostream& out, const char* name, const char* type, const char* help,
               double value) {
  Header(out, name, type, help);
  out << name << " " << Num(value) << "\n";
}

uint64_t Field(const DeviceStatus& s, const char* key) {
  if (!s.reachable || !s.raw.contains(key) || !s.raw[key].is_number_unsigned()) return 0;
  return s.raw[key].get<uint64_t>();
}

// A number inside egdd's status (`path` of object keys), or 0.
double Number(const DeviceStatus& s, std::initializer_list<const char*> path) {
  if (!s.reachable) return 0;
  const nlohmann::json* j = &s.raw;
  for (const char* key : path) {
    if (!j->is_object() || !j->contains(key)) return 0;
    j = &(*j)[key];
  }
  return j->is_number() ? j->get<double>() : 0;
}

// What egdd credits and the SP 800-90B assessment it rests on.
void AssessmentMetrics(std::ostream& out, const DeviceStatus& s) {
  MetricNum(out, "trng_egdd_entropy_per_bit", "gauge",
            "Min-entropy egdd credits per raw bit (0 until the device is assessed).",
            Number(s, {"entropy_per_bit"}));
  std::string estimator;
  if (s.reachable && s.raw.contains("assessment") && s.raw["assessment"].contains("result")) {
    estimator = s.raw["assessment"]["result"].value("decided_by", "");
  }
  Header(out, "trng_egdd_assessment_entropy_per_bit", "gauge",
         "Min-entropy per bit of egdd's SP 800-90B assessment of its device, by the estimator "
         "that set it (absent until one exists).");
  if (!estimator.empty() || Number(s, {"assessment", "result", "samples"}) > 0) {
    out << "trng_egdd_assessment_entropy_per_bit{estimator=\"" << estimator << "\"} "
        << Num(Number(s, {"assessment", "result", "entropy_per_bit"})) << "\n";
  }
  MetricNum(out, "trng_egdd_assessment_samples", "gauge", "Samples the assessment in force used.",
            Number(s, {"assessment", "result", "samples"}));
  MetricNum(out, "trng_egdd_assessment_timestamp_seconds", "gauge",
            "When the assessment in force finished (Unix time; 0: none).",
            Number(s, {"assessment", "result", "unix_time"}));
  double needed = Number(s, {"assessment", "running", "samples_needed"});
  MetricNum(out, "trng_egdd_assessment_progress", "gauge",
            "Share of the samples collected by a running assessment (0: none running).",
            needed > 0 ? Number(s, {"assessment", "running", "samples_collected"}) / needed : 0);
}

constexpr const char* kTests[] = {"total_failure", "repetition_count", "adaptive_proportion",
                                  "startup"};

// One line per health test of `name`, its value at `path` below the test's
// object in status.health_tests (or directly in `object` when path is empty).
void PerTest(std::ostream& out, const char* name, const char* type, const char* help,
             const DeviceStatus& s, const char* object, const char* field) {
  Header(out, name, type, help);
  for (const char* test : kTests) {
    double v = field ? Number(s, {object, test, field}) : Number(s, {object, test});
    out << name << "{test=\"" << test << "\"} " << Num(v) << "\n";
  }
}

// Per health test: units passed, alarms, the last statistic and its cutoff
// (egdd's status.health_tests; health/health.h HealthStats says what each is).
void HealthMetrics(std::ostream& out, const DeviceStatus& s) {
  PerTest(out, "trng_egdd_health_alarms_total", "counter",
          "Health test alarms raised by egdd, by test.", s, "alarms_by_test", nullptr);
  PerTest(out, "trng_egdd_health_test_passed_total", "counter",
          "Units a health test passed: total_failure chunks, windows of the continuous tests "
          "(repetition_count, adaptive_proportion), startup windows.",
          s, "health_tests", "passed");
  PerTest(out, "trng_egdd_health_test_failed_total", "counter",
          "Units a health test failed (each one an alarm).", s, "health_tests", "failed");
  PerTest(out, "trng_egdd_health_test_statistic", "gauge",
          "The last passed unit's statistic: total_failure, the count of the most frequent byte "
          "value in a chunk; repetition_count, the longest run of identical samples in a window "
          "(counted where runs cross 64-sample blocks); adaptive_proportion, the window's "
          "matches of its first sample; startup: 0.",
          s, "health_tests", "last_statistic");
  PerTest(out, "trng_egdd_health_test_cutoff", "gauge",
          "The value of trng_egdd_health_test_statistic that raises an alarm (0: none).", s,
          "health_tests", "cutoff");
  MetricNum(out, "trng_egdd_health_startup_repeated_total", "counter",
            "Startup windows that failed the FIPS 140-2 block tests once and were repeated on "
            "the next window (a second failure is an alarm).",
            Number(s, {"health_tests", "startup", "repeated"}));
}

// Bytes through each stage of the one source egdd runs, in bytes and bits.
void SourceMetrics(std::ostream& out, const DeviceStatus& s) {
  std::string kind = s.reachable ? s.raw.value("source_kind", "none") : "none";
  constexpr const char* kStages[] = {"received", "passed", "discarded", "served"};
  for (int bits = 0; bits < 2; ++bits) {
    const char* name = bits ? "trng_egdd_source_bits_total" : "trng_egdd_source_bytes_total";
    Header(out, name, "counter",
           bits ? "Bits (8 per byte) through each stage of egdd's source, by stage."
                : "Bytes through each stage of egdd's source: received from the device, passed "
                  "the health tests, discarded (alarm windows, a full pool, no credit), served "
                  "to EGD clients.");
    for (const char* stage : kStages) {
      uint64_t n = Field(s, ("bytes_" + std::string(stage)).c_str());
      out << name << "{source=\"" << kind << "\",stage=\"" << stage << "\"} "
          << (bits ? 8 * n : n) << "\n";
    }
  }
}

// The serial line's frame decoder (0 for other sources).
void SerialMetrics(std::ostream& out, const DeviceStatus& s) {
  const struct {
    const char* name;
    const char* field;
    const char* help;
  } kLine[] = {
      {"trng_egdd_serial_frames_total", "frames", "Valid frames egdd decoded from the serial line."},
      {"trng_egdd_serial_lost_frames_total", "lost_frames",
       "Frames lost on the serial line (gaps in their sequence numbers)."},
      {"trng_egdd_serial_crc_errors_total", "crc_errors", "Serial frames with a bad CRC."},
      {"trng_egdd_serial_skipped_bytes_total", "skipped_bytes",
       "Bytes skipped on the serial line while looking for a frame."},
  };
  for (const auto& m : kLine) {
    MetricNum(out, m.name, "counter", m.help, Number(s, {"source_stats", m.field}));
  }
}

// Each of egdd's sources (status.sources), labelled by its configured name.
void PerSourceMetrics(std::ostream& out, const DeviceStatus& s) {
  const nlohmann::json none = nlohmann::json::array();
  const nlohmann::json& sources =
      s.reachable && s.raw.contains("sources") && s.raw["sources"].is_array() ? s.raw["sources"]
                                                                              : none;
  auto label = [](const nlohmann::json& one) {
    return "source=\"" + one.value("name", std::string()) + "\"";
  };
  Header(out, "trng_egdd_source_state", "gauge",
         "Each source's own state (1 = current), by source name and state.");
  for (const auto& one : sources) {
    for (const char* state : kStates) {
      if (std::string_view(state) == "degraded") continue;  // the daemon's, not a source's
      out << "trng_egdd_source_state{" << label(one) << ",state=\"" << state << "\"} "
          << (one.value("state", "") == state) << "\n";
    }
  }
  const struct {
    const char* name;
    const char* type;
    const char* field;
    const char* help;
  } kEach[] = {
      {"trng_egdd_source_received_bytes_total", "counter", "bytes_received",
       "Bytes egdd read from each source."},
      {"trng_egdd_source_passed_bytes_total", "counter", "bytes_passed",
       "Bytes of each source that passed its health tests."},
      {"trng_egdd_source_alarms_total", "counter", "alarms", "Health test alarms of each source."},
      {"trng_egdd_source_pool_bytes", "gauge", "pool_bytes",
       "Tested bytes of each source ready in its lane of the pool."},
      {"trng_egdd_source_entropy_per_bit", "gauge", "entropy_per_bit",
       "Min-entropy egdd credits per raw bit of each source."},
  };
  for (const auto& m : kEach) {
    Header(out, m.name, m.type, m.help);
    for (const auto& one : sources) {
      double v = one.contains(m.field) && one[m.field].is_number() ? one[m.field].get<double>() : 0;
      out << m.name << "{" << label(one) << "} " << Num(v) << "\n";
    }
  }
}

void EgddMetrics(std::ostream& out, const DeviceStatus& s) {
  Metric(out, "trng_egdd_up", "gauge", "1 if egdd's control socket answered.", s.reachable);
  Header(out, "trng_device_state", "gauge",
         "The state egdd reports (1 = current): with several sources, degraded while one "
         "runs and another is failed or lost (trng_egdd_source_state has each).");
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
  AssessmentMetrics(out, s);
  Metric(out, "trng_egdd_clients", "gauge",
         "EGD clients connected to egdd (not trng-httpd's own connections: see "
         "trng_egdd_internal_clients).",
         Field(s, "clients"));
  Metric(out, "trng_egdd_internal_clients", "gauge",
         "Connections to egdd's egd.internal_listen addresses (trng-httpd's own).",
         Field(s, "internal_clients"));
  Metric(out, "trng_egdd_waiting_readers", "gauge",
         "EGD clients waiting in a blocking read for the pool to fill.",
         Field(s, "waiting_readers"));
  Metric(out, "trng_egdd_pool_capacity_bytes", "gauge", "The size of egdd's pool.",
         Field(s, "pool_capacity"));
  SourceMetrics(out, s);
  PerSourceMetrics(out, s);
  HealthMetrics(out, s);
  SerialMetrics(out, s);
  Header(out, "trng_egdd_connections_refused_total", "counter",
         "EGD connections egdd closed at once: max_clients, max_clients_per_address, or a "
         "PROXY header it does not take.");
  for (const char* reason : {"max_clients", "per_address", "proxy"}) {
    out << "trng_egdd_connections_refused_total{reason=\"" << reason << "\"} "
        << Num(Number(s, {"connections_refused", reason})) << "\n";
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
  Metric(out, "trng_httpd_event_streams", "gauge",
         "Open event streams of the live status view (GET /trng/randomNum/events).",
         event_streams_);
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
