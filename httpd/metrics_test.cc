#include "httpd/metrics.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST_CASE("metrics render egdd's state and request counts") {
  Metrics m;
  m.CountRequest("getRandom", 200);
  m.CountRequest("getRandom", 200);
  m.CountRequest("init", 409);
  m.AddRandomBytes(30);
  m.ClientOpened();
  m.ConnectionRefused("per_address");
  m.ConnectionRefused("per_address");
  m.RequestRefused("rate_limit");
  DeviceStatus s = ParseStatus(true, "", R"({"state":"running","pool_bytes":5,"bytes_served":77,"alarms":2,"clients":3,)"
                                 R"("connections_refused":{"max_clients":4,"per_address":6,"proxy":1}})");
  std::string text = "\n" + m.Render(s);
  CHECK(Has(text, "trng_egdd_up 1"));
  CHECK(Has(text, "trng_device_state{state=\"running\"} 1"));
  CHECK(Has(text, "trng_device_state{state=\"standby\"} 0"));
  CHECK(Has(text, "trng_egdd_bytes_served_total 77"));
  CHECK(Has(text, "trng_egdd_alarms_total 2"));
  CHECK(Has(text, "trng_egdd_clients 3"));
  CHECK(Has(text, "trng_egdd_connections_refused_total{reason=\"max_clients\"} 4"));
  CHECK(Has(text, "trng_egdd_connections_refused_total{reason=\"per_address\"} 6"));
  CHECK(Has(text, "trng_egdd_connections_refused_total{reason=\"proxy\"} 1"));
  CHECK(Has(text, "trng_httpd_random_bytes_total 30"));
  CHECK(Has(text, "trng_httpd_clients 1"));
  CHECK(Has(text, "trng_httpd_requests_total{endpoint=\"getRandom\",code=\"200\"} 2"));
  CHECK(Has(text, "trng_httpd_requests_total{endpoint=\"init\",code=\"409\"} 1"));
  CHECK(Has(text, "# TYPE trng_httpd_requests_total counter"));
  CHECK(Has(text, "trng_httpd_connections_refused_total{reason=\"per_address\"} 2"));
  CHECK(Has(text, "trng_httpd_connections_refused_total{reason=\"max_clients\"} 0"));
  CHECK(Has(text, "trng_httpd_requests_refused_total{reason=\"rate_limit\"} 1"));
  CHECK(Has(text, "trng_httpd_requests_refused_total{reason=\"cross_site\"} 0"));
  CHECK(m.connections_refused("per_address") == 2);
}

TEST_CASE("metrics show the credit and the assessment it rests on") {
  Metrics m;
  DeviceStatus done = ParseStatus(true, "", R"({"state":"running","entropy_per_bit":0.25,)"
      R"("assessment":{"state":"done","result":{"entropy_per_bit":0.25,"samples":1000000,)"
      R"("unix_time":1796560000,"decided_by":"literal compression"}}})");
  std::string text = "\n" + m.Render(done);
  CHECK(Has(text, "trng_egdd_entropy_per_bit 0.25"));
  CHECK(Has(text, "trng_egdd_assessment_entropy_per_bit{estimator=\"literal compression\"} 0.25"));
  CHECK(Has(text, "trng_egdd_assessment_samples 1000000"));
  CHECK(Has(text, "trng_egdd_assessment_timestamp_seconds 1796560000"));
  CHECK(Has(text, "trng_egdd_assessment_progress 0"));
  DeviceStatus running = ParseStatus(true, "", R"({"state":"initializing","entropy_per_bit":0,)"
      R"("assessment":{"state":"running","running":{"samples_needed":1000,"samples_collected":250}}})");
  text = "\n" + m.Render(running);
  CHECK(Has(text, "trng_egdd_entropy_per_bit 0"));
  CHECK(Has(text, "trng_egdd_assessment_progress 0.25"));
  CHECK(text.find("trng_egdd_assessment_entropy_per_bit{") == std::string::npos);
}

TEST_CASE("metrics an operator alerts on: bytes by stage, health tests, clients, line errors") {
  Metrics m;
  DeviceStatus s = ParseStatus(true, "", R"({"state":"failed","source_kind":"serial",
    "bytes_received":1000,"bytes_passed":700,"bytes_discarded":300,"bytes_served":500,
    "clients":2,"internal_clients":1,"waiting_readers":4,"pool_capacity":65536,
    "alarms":3,"alarms_by_test":{"total_failure":0,"repetition_count":2,"adaptive_proportion":1,
      "startup":0},
    "health_tests":{"total_failure":{"passed":7,"failed":0,"last_statistic":5,"cutoff":13},
      "repetition_count":{"passed":9,"failed":2,"last_statistic":17,"cutoff":41},
      "adaptive_proportion":{"passed":9,"failed":1,"last_statistic":530,"cutoff":589},
      "startup":{"passed":1,"failed":0,"last_statistic":0,"repeated":2}},
    "source_stats":{"frames":40,"lost_frames":6,"crc_errors":2,"skipped_bytes":11}})");
  std::string text = "\n" + m.Render(s);
  CHECK(Has(text, "trng_egdd_source_bytes_total{source=\"serial\",stage=\"received\"} 1000"));
  CHECK(Has(text, "trng_egdd_source_bytes_total{source=\"serial\",stage=\"passed\"} 700"));
  CHECK(Has(text, "trng_egdd_source_bytes_total{source=\"serial\",stage=\"discarded\"} 300"));
  CHECK(Has(text, "trng_egdd_source_bytes_total{source=\"serial\",stage=\"served\"} 500"));
  CHECK(Has(text, "trng_egdd_source_bits_total{source=\"serial\",stage=\"received\"} 8000"));
  CHECK(Has(text, "trng_egdd_source_bits_total{source=\"serial\",stage=\"served\"} 4000"));
  CHECK(Has(text, "trng_egdd_health_alarms_total{test=\"repetition_count\"} 2"));
  CHECK(Has(text, "trng_egdd_health_alarms_total{test=\"adaptive_proportion\"} 1"));
  CHECK(Has(text, "trng_egdd_health_alarms_total{test=\"startup\"} 0"));
  CHECK(Has(text, "# TYPE trng_egdd_health_alarms_total counter"));
  CHECK(Has(text, "trng_egdd_health_test_passed_total{test=\"total_failure\"} 7"));
  CHECK(Has(text, "trng_egdd_health_test_failed_total{test=\"repetition_count\"} 2"));
  CHECK(Has(text, "trng_egdd_health_test_statistic{test=\"adaptive_proportion\"} 530"));
  CHECK(Has(text, "trng_egdd_health_test_cutoff{test=\"adaptive_proportion\"} 589"));
  CHECK(Has(text, "trng_egdd_health_test_cutoff{test=\"startup\"} 0"));
  CHECK(Has(text, "trng_egdd_health_startup_repeated_total 2"));
  CHECK(Has(text, "# TYPE trng_egdd_health_test_statistic gauge"));
  CHECK(Has(text, "trng_egdd_clients 2"));
  CHECK(Has(text, "trng_egdd_internal_clients 1"));
  CHECK(Has(text, "trng_egdd_waiting_readers 4"));
  CHECK(Has(text, "trng_egdd_pool_capacity_bytes 65536"));
  CHECK(Has(text, "trng_egdd_serial_frames_total 40"));
  CHECK(Has(text, "trng_egdd_serial_lost_frames_total 6"));
  CHECK(Has(text, "trng_egdd_serial_crc_errors_total 2"));
  CHECK(Has(text, "trng_egdd_serial_skipped_bytes_total 11"));
  CHECK(Has(text, "trng_device_state{state=\"failed\"} 1"));
}

TEST_CASE("metrics per source, labelled by name; the daemon degraded") {
  Metrics m;
  DeviceStatus s = ParseStatus(true, "", R"({"state":"degraded","sources":[)"
      R"({"name":"tunnel","state":"running","bytes_received":100,"alarms":0,"pool_bytes":40,"entropy_per_bit":0.9},)"
      R"({"name":"hwrng","state":"failed","bytes_received":7,"alarms":2,"pool_bytes":0,"entropy_per_bit":1}]})");
  std::string text = "\n" + m.Render(s);
  CHECK(Has(text, "trng_device_state{state=\"degraded\"} 1"));
  CHECK(Has(text, "trng_egdd_source_state{source=\"tunnel\",state=\"running\"} 1"));
  CHECK(Has(text, "trng_egdd_source_state{source=\"hwrng\",state=\"failed\"} 1"));
  CHECK(Has(text, "trng_egdd_source_state{source=\"hwrng\",state=\"running\"} 0"));
  CHECK(text.find("trng_egdd_source_state{source=\"tunnel\",state=\"degraded\"}") ==
        std::string::npos);
  CHECK(Has(text, "trng_egdd_source_received_bytes_total{source=\"tunnel\"} 100"));
  CHECK(Has(text, "trng_egdd_source_alarms_total{source=\"hwrng\"} 2"));
  CHECK(Has(text, "trng_egdd_source_pool_bytes{source=\"tunnel\"} 40"));
  CHECK(Has(text, "trng_egdd_source_entropy_per_bit{source=\"tunnel\"} 0.9"));
}

TEST_CASE("metrics when egdd is down") {
  Metrics m;
  std::string text = "\n" + m.Render(ParseStatus(false, "connection refused", ""));
  CHECK(Has(text, "trng_egdd_up 0"));
  CHECK(Has(text, "trng_device_state{state=\"running\"} 0"));
}

}  // namespace
}  // namespace httpd
