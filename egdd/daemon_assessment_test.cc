// SPDX-License-Identifier: Apache-2.0
// egdd credits what its own SP 800-90B assessment of the device found: the
// daemon in-process with a simulated device (egdd/daemon_harness.h), small
// assessments (10,000 samples) so that each runs in milliseconds.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include "egdd/daemon_harness.h"

namespace egdd {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

Keys Assessed(const std::string& state_dir, Keys more = {}) {
  more["source.entropy_certified"] = "false";
  more["assessment.samples"] = "10000";
  more["assessment.state_dir"] = "\"" + state_dir + "\"";
  return more;
}

// Bytes whose bits are independently 1 with probability 3/4: min-entropy
// -log2(0.75) = 0.415 per bit, 3.32 per byte.
egd::SecureBytes BiasedBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  egd::SecureBytes out(n);
  for (auto& b : out) {
    uint8_t v = 0;
    for (int i = 0; i < 8; ++i) v = static_cast<uint8_t>(v << 1 | (rng() % 4 != 0));
    b = v;
  }
  return out;
}

// Feeds `make` bytes until pred holds.
bool FeedUntil(DaemonHarness& h, const std::function<egd::SecureBytes(uint64_t)>& make,
               const std::function<bool()>& pred, milliseconds wait = milliseconds(10000)) {
  uint64_t seed = 100;
  return h.RunUntil([&] {
    if (pred()) return true;
    if (h.device->queued.size() < 8192) h.device->Feed(make(seed++));
    return false;
  }, wait);
}

TEST_CASE("assessment: nothing credited or served before it; its result afterwards, and kept") {
  std::filesystem::path state = std::filesystem::temp_directory_path() / "egdd-assess-XXXXXX";
  std::string dir = state.string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  {
    DaemonHarness h(Assessed(dir));
    EgdClient c = h.Connect();
    CHECK(h.State() == "initializing");
    json a = h.Status()["assessment"];
    CHECK(a["state"] == "running");
    CHECK(a["running"]["samples_needed"] == 10000);
    CHECK(a["credited_entropy_per_bit"] == 0.0);
    // Half the samples: still nothing credited or served.
    h.device->Feed(HealthyBytes(5000, 7));
    REQUIRE(h.RunUntil([&] { return h.Status()["assessment"]["running"]["samples_collected"] == 5000; }));
    CHECK(c.EntropyCount() == 0);
    CHECK(c.ReadNonBlocking(16).empty());
    CHECK(h.daemon().pool().size() == 0);
    REQUIRE(FeedUntil(h, [](uint64_t s) { return HealthyBytes(4096, s); }, [&] {
      return h.State() == "running" && h.daemon().pool().size() >= 1024;
    }));
    a = h.Status()["assessment"];
    CHECK(a["state"] == "done");
    CHECK(a["result"]["samples"] == 10000);
    CHECK(a["result"]["identity"] == "fake:/fake/1");
    double h_sample = a["result"]["min_entropy"];
    CHECK(h_sample > 5.0);  // pseudo-random bytes; 10,000 samples bound it well below 8
    CHECK(h_sample < 8.0);
    CHECK(a["credited_entropy_per_bit"] == Approx(h_sample / 8));
    CHECK(!a["result"]["decided_by"].get<std::string>().empty());
    CHECK(h.daemon().device().counters().bytes_assessed == 10000);
    // 00 counts the pooled bytes at the credited rate.
    size_t pooled = h.daemon().pool().size();
    CHECK(c.EntropyCount() <= pooled * h_sample);
    CHECK(c.EntropyCount() > 0);
    CHECK(std::filesystem::exists(dir + "/" +
        std::filesystem::path(AssessmentStore(dir).PathFor("fake:/fake/1")).filename().string()));
  }
  {
    // A restart finds the stored result: no samples are taken again.
    DaemonHarness h(Assessed(dir));
    CHECK(h.Status()["assessment"]["state"] == "done");
    h.FeedUntilRunning();
    CHECK(h.daemon().device().counters().bytes_assessed == 0);
    CHECK(h.daemon().device().entropy_per_bit() > 5.0 / 8);
  }
  {
    // Another device (identity) is assessed anew.
    DaemonHarness h(Assessed(dir, {{"source.path", "\"/fake/other\""}}));
    CHECK(h.Status()["assessment"]["state"] == "running");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("assessment: a biased source is credited its min-entropy and runs without alarms") {
  DaemonHarness h(Assessed("/nonexistent/state"));  // the result is kept in memory only
  REQUIRE(FeedUntil(h, [](uint64_t s) { return BiasedBytes(4096, s); }, [&] {
    return h.State() == "running" && h.daemon().pool().size() >= 64 * 1024;
  }));
  json a = h.Status()["assessment"];
  double per_bit = a["credited_entropy_per_bit"];
  CHECK(per_bit > 0.2);
  CHECK(per_bit <= 0.45);  // the true value is 0.415
  CHECK(a["problem"].get<std::string>().find("/nonexistent/state") != std::string::npos);
  // The health tests follow the assessed H: the total failure limit rises
  // (0xFF has probability 0.1), and FIPS 140-2's block tests are left out.
  CHECK(a["health"]["total_failure_max_identical"] > 30);
  CHECK(a["health"]["startup_bytes"] == 128);
  CHECK(h.daemon().device().counters().alarms == 0);
  EgdClient c = h.Connect();
  CHECK(c.EntropyCount() <= h.daemon().pool().size() * 8 * 0.45);
  // Serve and refill a few times: still no alarm.
  for (int i = 0; i < 200; ++i) CHECK(c.ReadNonBlocking(255).size() == 255);
  REQUIRE(FeedUntil(h, [](uint64_t s) { return BiasedBytes(4096, s + 1000); },
                    [&] { return h.daemon().pool().size() >= 64 * 1024; }));
  CHECK(h.daemon().device().counters().alarms == 0);
  CHECK(h.State() == "running");
}

TEST_CASE("assessment: a stuck source alarms within one chunk, before any assessment") {
  DaemonHarness h(Assessed("/nonexistent/state"));
  h.device->Feed(egd::SecureBytes(99, 0x5a));
  h.RunFor(milliseconds(50));
  CHECK(h.State() == "initializing");
  h.device->Feed(egd::SecureBytes(1, 0x5a));  // the 100th byte completes the chunk
  REQUIRE(h.RunUntil([&] { return h.State() == "failed"; }));
  json s = h.Status();
  CHECK(s["last_alarm"].get<std::string>().find("total_failure") == 0);
  CHECK(s["assessment"]["state"] == "none");
}

TEST_CASE("assessment: the configured value only lowers it, unless certified") {
  DaemonHarness h(Assessed("/nonexistent/state", {{"source.entropy_per_bit", "0.25"}}));
  REQUIRE(FeedUntil(h, [](uint64_t s) { return HealthyBytes(4096, s); },
                    [&] { return h.State() == "running"; }));
  CHECK(h.daemon().device().entropy_per_bit() == 0.25);
  DaemonHarness certified(Keys{{"source.entropy_per_bit", "0.5"}});
  CHECK(certified.Status()["assessment"]["state"] == "certified");
  CHECK(certified.daemon().device().entropy_per_bit() == 0.5);
}

TEST_CASE("assessment: egdctl assess re-assesses the running device while the pool serves") {
  DaemonHarness h(Assessed("/nonexistent/state"));
  REQUIRE(FeedUntil(h, [](uint64_t s) { return HealthyBytes(4096, s); },
                    [&] { return h.State() == "running" && h.daemon().pool().size() >= 4096; }));
  int64_t first = h.Status()["assessment"]["result"]["unix_time"];
  json r = json::parse(h.Control("assess"));
  CHECK(r["ok"] == true);
  CHECK(json::parse(h.Control("assess"))["error"] == "assessment_running");
  EgdClient c = h.Connect();
  CHECK(c.EntropyCount() > 0);  // the old result still holds meanwhile
  CHECK(c.ReadNonBlocking(32).size() == 32);
  REQUIRE(FeedUntil(h, [](uint64_t s) { return HealthyBytes(4096, s + 77); }, [&] {
    return h.Status()["assessment"]["state"] == "done" && h.State() == "running";
  }));
  CHECK(h.daemon().device().counters().bytes_assessed == 20000);
  CHECK(h.Status()["assessment"]["result"]["unix_time"] >= first);
  DaemonHarness off(Keys{{"source.autostart", "false"}});
  CHECK(json::parse(off.Control("assess"))["error"] == "not_initialized");
}

}  // namespace
}  // namespace egdd
