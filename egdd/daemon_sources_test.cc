// A daemon with several sources ([[source]] tables), in-process: each source
// has its own device, lane and state; an alarm on one stops that one alone.
#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "egdd/daemon_harness.h"

namespace egdd {
namespace {

const std::string kTwo =
    "[{name = \"a\", kind = \"hwrng\", path = \"/fake/a\", entropy_certified = true}, "
    "{name = \"b\", kind = \"hwrng\", path = \"/fake/b\", entropy_certified = true}]";

nlohmann::json SourceNamed(DaemonHarness& h, const std::string& name) {
  nlohmann::json status = h.Status();
  for (const auto& s : status["sources"]) {
    if (s["name"] == name) return s;
  }
  FAIL("no source " << name << " in " << status.dump());
  return {};
}

// Feeds a device healthy bytes (recorded in *fed) until pred() holds.
bool FeedUntil(DaemonHarness& h, FakeDevice& d, uint64_t seed, egd::SecureBytes* fed,
               const std::function<bool()>& pred) {
  return h.RunUntil([&] {
    if (pred()) return true;
    if (d.queued.size() < 4096) {
      egd::SecureBytes more = HealthyBytes(4096, seed++);
      fed->insert(fed->end(), more.begin(), more.end());
      d.Feed(more);
    }
    return false;
  }, std::chrono::milliseconds(5000));
}

bool Within(const egd::SecureBytes& haystack, const std::string& needle) {
  std::vector<uint8_t> bytes(needle.begin(), needle.end());
  return std::search(haystack.begin(), haystack.end(), bytes.begin(), bytes.end()) !=
         haystack.end();
}

TEST_CASE("sources: an alarm on one quarantines it alone; the daemon is degraded") {
  DaemonHarness h({{"source", kTwo}});
  FakeDevice& a = *h.devices->at("/fake/a");
  FakeDevice& b = *h.devices->at("/fake/b");
  egd::SecureBytes fed_a, fed_b;
  auto lane_bytes = [&](const std::string& n) {
    return SourceNamed(h, n)["pool_bytes"].get<size_t>();
  };
  REQUIRE(FeedUntil(h, a, 1000, &fed_a, [&] { return lane_bytes("a") >= 4096; }));
  REQUIRE(FeedUntil(h, b, 2000, &fed_b, [&] { return lane_bytes("b") >= 4096; }));
  nlohmann::json st = h.Status();
  CHECK(st["state"] == "running");
  REQUIRE(st["sources"].size() == 2);
  CHECK(st["sources"][1]["state"] == "running");
  CHECK(st["pool_bytes"].get<size_t>() == lane_bytes("a") + lane_bytes("b"));

  b.Feed(egd::SecureBytes(4096, 0x5a));  // stuck: b's total failure test fires
  REQUIRE(h.RunUntil([&] { return SourceNamed(h, "b")["state"] == "failed"; }));
  st = h.Status();
  CHECK(st["state"] == "degraded");
  CHECK(st["state_reason"].get<std::string>().find("b failed") != std::string::npos);
  CHECK(SourceNamed(h, "b")["pool_bytes"] == 0);  // b's unserved bytes wiped
  CHECK(SourceNamed(h, "a")["state"] == "running");
  // Clients keep getting bytes, all of them a's, whole and in order.
  EgdClient c = h.Connect();
  CHECK(c.EntropyCount() > 0);
  c.Send(std::string{'\x02', '\x40'});
  std::string got = c.Recv(64);
  REQUIRE(got.size() == 64);
  CHECK(Within(fed_a, got));
  CHECK_FALSE(Within(fed_b, got));
}

TEST_CASE("sources: operations act on one named source or on all") {
  DaemonHarness h({{"source", kTwo}});
  egd::SecureBytes fed;
  FakeDevice& a = *h.devices->at("/fake/a");
  FakeDevice& b = *h.devices->at("/fake/b");
  REQUIRE(FeedUntil(h, a, 1, &fed, [&] { return SourceNamed(h, "a")["state"] == "running"; }));
  REQUIRE(FeedUntil(h, b, 9, &fed, [&] { return SourceNamed(h, "b")["state"] == "running"; }));
  auto reply = [&](const std::string& cmd) { return nlohmann::json::parse(h.Control(cmd)); };

  nlohmann::json r = reply("shutdown b");
  CHECK(r["ok"] == true);
  CHECK(r["message"] == "System successfully shutdown");
  CHECK(SourceNamed(h, "b")["state"] == "standby");
  CHECK(SourceNamed(h, "a")["state"] == "running");
  CHECK(h.State() == "running");  // a source shut down by the operator is not a fault

  r = reply("init nope");
  CHECK(r["ok"] == false);
  CHECK(r["error"] == "unknown_source");
  CHECK(r["message"] == "no source named 'nope' (sources: a, b)");

  r = reply("init");  // a is running already; b starts
  CHECK(r["ok"] == true);
  CHECK(r["message"] == "a: System already initialized; b: System initialised successfully");
  REQUIRE(r["sources"].size() == 2);
  CHECK(r["sources"][0]["error"] == "already_initialized");

  r = reply("init");  // both already: the refusal, as with one source
  CHECK(r["ok"] == false);
  CHECK(r["error"] == "already_initialized");

  r = reply("shutdown");
  CHECK(r["ok"] == true);
  CHECK(h.State() == "standby");
}

TEST_CASE("sources: a reload adds and removes sources by name; the rest keep running") {
  DaemonHarness h({{"source", kTwo}});
  egd::SecureBytes fed;
  FakeDevice& a = *h.devices->at("/fake/a");
  REQUIRE(FeedUntil(h, a, 1, &fed, [&] { return SourceNamed(h, "a")["pool_bytes"] >= 1024; }));
  int a_opens = a.opens;
  h.WriteConfig(h.ConfigText(
      {{"source", "[{name = \"a\", kind = \"hwrng\", path = \"/fake/a\", entropy_certified = true}, "
                  "{name = \"c\", kind = \"hwrng\", path = \"/fake/c\", entropy_certified = true}]"}}));
  egd::Status st = h.Reload();
  INFO(st.message());
  REQUIRE(st.ok());
  nlohmann::json s = h.Status();
  REQUIRE(s["sources"].size() == 2);
  CHECK(s["sources"][1]["name"] == "c");
  CHECK(s["sources"][1]["state"] == "initializing");  // added: initialised (autostart)
  CHECK(a.opens == a_opens);                           // a untouched: still running, still filled
  CHECK(SourceNamed(h, "a")["state"] == "running");
  CHECK(SourceNamed(h, "a")["pool_bytes"] >= 1024);
  CHECK(h.devices->at("/fake/b")->current == nullptr);  // b removed: closed
  CHECK(h.daemon().pool().capacity() == 2 * h.daemon().config().pool.size_bytes);
}

TEST_CASE("sources: a source whose device is missing at start joins when it appears") {
  DaemonHarness h({{"source", kTwo}}, false);
  h.devices->emplace("/fake/b", std::make_shared<FakeDevice>(h.io));
  h.devices->at("/fake/b")->open_error = "no such device";
  REQUIRE(h.Start().ok());
  egd::SecureBytes fed;
  FakeDevice& a = *h.devices->at("/fake/a");
  REQUIRE(FeedUntil(h, a, 1, &fed, [&] { return SourceNamed(h, "a")["state"] == "running"; }));
  CHECK(SourceNamed(h, "b")["state"] == "device_lost");
  CHECK(h.State() == "degraded");
  h.devices->at("/fake/b")->open_error.reset();  // plugged in
  REQUIRE(h.RunUntil([&] { return SourceNamed(h, "b")["state"] == "initializing"; },
                     std::chrono::milliseconds(3000)));
}

}  // namespace
}  // namespace egdd
