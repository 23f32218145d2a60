// SPDX-License-Identifier: Apache-2.0
#include "feed/metrics.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace feed {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

// The sample lines (not comments) of an exposition text.
std::string Samples(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') out += line + "\n";
  }
  return out;
}

TEST_CASE("metrics before readiness: not ready, no ready time") {
  KernelState k({2.0, ReseedMode::kAuto}, true, kStart);
  k.Observe(false, seconds(2), kStart);
  k.Fed(64, k.Plan(64), false);
  CHECK(Samples(MetricsText(k)) ==
        "egd_feed_crng_ready 0\n"
        "egd_feed_bytes_fed_total{credited=\"yes\"} 64\n"
        "egd_feed_bytes_fed_total{credited=\"no\"} 0\n"
        "egd_feed_bits_credited_total 128\n"
        "egd_feed_reseeds_total 0\n"
        "egd_feed_resumes_total{cause=\"suspend\"} 0\n"
        "egd_feed_resumes_total{cause=\"vmgenid\"} 0\n");
  CHECK(StatusText(k) == "CRNG not ready; fed 64 bytes (64 credited), 0 reseeds, 0 resumes");
}

TEST_CASE("metrics after readiness: the time since boot, reseeds, resumes") {
  KernelState k({2.0, ReseedMode::kAuto}, true, kStart);
  k.Observe(false, seconds(2), kStart);
  k.Fed(64, k.Plan(64), false);
  k.Observe(true, milliseconds(3214), kStart + seconds(1));
  k.Fed(64, k.Plan(64), true);
  k.Resumed(ResumeCause::kSuspend);
  std::string text = MetricsText(k);
  CHECK(Samples(text) ==
        "egd_feed_crng_ready 1\n"
        "egd_feed_crng_ready_seconds_since_boot 3.214\n"
        "egd_feed_crng_ready_at_start 0\n"
        "egd_feed_bytes_fed_total{credited=\"yes\"} 64\n"
        "egd_feed_bytes_fed_total{credited=\"no\"} 64\n"
        "egd_feed_bits_credited_total 128\n"
        "egd_feed_reseeds_total 1\n"
        "egd_feed_resumes_total{cause=\"suspend\"} 1\n"
        "egd_feed_resumes_total{cause=\"vmgenid\"} 0\n");
  // One HELP and one TYPE per family, before its samples.
  CHECK(text.find("# TYPE egd_feed_bytes_fed_total counter\n") <
        text.find("egd_feed_bytes_fed_total{"));
  CHECK(text.find("# TYPE egd_feed_crng_ready gauge\n") != std::string::npos);
  CHECK(StatusText(k) == "CRNG ready 3.2 s after boot; fed 128 bytes (64 credited), 1 reseed, "
                         "1 resume");
}

TEST_CASE("status when ready at start") {
  KernelState k({0.0, ReseedMode::kAuto}, false, kStart);
  k.Observe(true, seconds(86400), kStart);
  CHECK(StatusText(k) == "CRNG ready at start, 86400.0 s after boot; fed 0 bytes (0 credited), "
                         "0 reseeds, 0 resumes");
  CHECK(Samples(MetricsText(k)).find("egd_feed_crng_ready_at_start 1\n") != std::string::npos);
}

TEST_CASE("WriteMetrics replaces the file, readable by the collector whatever the umask") {
  char dir[] = "/tmp/feed-metrics-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string path = std::string(dir) + "/egd_feed.prom";
  KernelState k({0.0, ReseedMode::kAuto}, false, kStart);
  k.Observe(true, seconds(5), kStart);
  mode_t old = ::umask(077);
  REQUIRE(WriteMetrics(path, k).ok());
  k.Fed(64, k.Plan(64), false);
  REQUIRE(WriteMetrics(path, k).ok());
  CHECK(::umask(old) == 077);  // lent, and given back
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == MetricsText(k));
  CHECK(::access((path + ".tmp").c_str(), F_OK) != 0);
  CHECK_FALSE(WriteMetrics(std::string(dir) + "/missing/egd_feed.prom", k).ok());
  ::unlink(path.c_str());
  ::rmdir(dir);
}

TEST_CASE("metrics with several hosts: mix, feeds by outcome, failures per host") {
  KernelState k({0.0, ReseedMode::kAuto}, false, kStart);
  MixMetrics mix{2, 7, 3, {{"unix:/run/a.sock", 0}, {"10.0.0.2:7776", 4}, {"unix:/r\"q\\", 1}}};
  std::string text = MetricsText(k, &mix);
  std::string samples = Samples(text);
  CHECK(samples.find("egd_feed_mix 2\n"
                     "egd_feed_feeds_total{mix=\"full\"} 7\n"
                     "egd_feed_feeds_total{mix=\"short\"} 3\n"
                     "egd_feed_host_failures_total{host=\"unix:/run/a.sock\"} 0\n"
                     "egd_feed_host_failures_total{host=\"10.0.0.2:7776\"} 4\n"
                     "egd_feed_host_failures_total{host=\"unix:/r\\\"q\\\\\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("# TYPE egd_feed_feeds_total counter\n") != std::string::npos);
  CHECK(MetricsText(k).find("egd_feed_mix") == std::string::npos);  // without hosts: as before
}

}  // namespace
}  // namespace feed
