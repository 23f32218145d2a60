// SPDX-License-Identifier: Apache-2.0
// A whole egdd in-process with a simulated device (egdd/daemon_harness.h):
// the device state machine, alarms, fair service of blocking readers, and
// the pool's size changed by a reload.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "egdd/daemon_harness.h"

namespace egdd {
namespace {

using nlohmann::json;

json Command(DaemonHarness& h, const std::string& command) {
  return json::parse(h.Control(command));
}

TEST_CASE("daemon: standby, init, running, shutdown, restart and their refusals") {
  DaemonHarness h(Keys{{"source.autostart", "false"}});
  CHECK(h.State() == "standby");
  CHECK(h.device->opens == 0);
  CHECK(h.Status()["last_alarm_at"].is_null());
  CHECK(h.Status()["reinit_in_s"].is_null());
  CHECK(Command(h, "shutdown")["error"] == "already_shut_down");
  // From standby a restart is an init that says so (the manual: 200 for restart).
  json r = Command(h, "restart");
  CHECK(r["ok"] == true);
  CHECK(r["message"] == "System was in standby; initialised it");
  CHECK(r["state"] == "initializing");
  CHECK(h.device->opens == 1);
  CHECK(Command(h, "shutdown")["state"] == "standby");
  r = Command(h, "init");
  CHECK(r["ok"] == true);
  CHECK(r["state"] == "initializing");
  CHECK(h.device->opens == 2);
  CHECK(h.device->starts == 2);
  CHECK(Command(h, "init")["error"] == "already_initialized");
  h.FeedUntilRunning();
  CHECK(h.State() == "running");
  r = Command(h, "restart");
  CHECK(r["ok"] == true);
  CHECK(r["message"] == "System successfully restarted");
  CHECK(r["state"] == "initializing");
  CHECK(h.device->opens == 3);
  r = Command(h, "shutdown");
  CHECK(r["ok"] == true);
  CHECK(r["state"] == "standby");
  CHECK(h.device->current == nullptr);  // closed
  CHECK(Command(h, "bogus")["error"] == "unknown_command");
}

TEST_CASE("daemon: a lost device is reopened; one that cannot be opened stays device_lost") {
  DaemonHarness h;
  h.FeedUntilRunning();
  auto c = h.Connect();
  size_t pooled = h.daemon().pool().size();
  h.device->Lose("unplugged");
  REQUIRE(h.RunUntil([&] { return h.daemon().device().state() == DeviceState::kDeviceLost; }));
  CHECK(h.Status()["state_reason"] == "unplugged");
  // The pool keeps serving what passed the tests.
  CHECK(c.ReadNonBlocking(16).size() == 16);
  CHECK(h.daemon().pool().size() == pooled - 16);
  CHECK(Command(h, "init")["error"] == "device_lost");
  h.device->open_error = "No such device";
  int opens = h.device->opens;
  REQUIRE(h.RunUntil([&] { return h.device->opens > opens; }));  // the reconnect timer (500 ms)
  CHECK(h.State() == "device_lost");
  h.device->open_error.reset();
  REQUIRE(h.RunUntil([&] { return h.daemon().device().state() == DeviceState::kInitializing; },
                     std::chrono::milliseconds(3000)));  // the next attempt, after 1 s
  CHECK(Command(h, "stats")["source_reconnects"] == 2);
  h.FeedUntilRunning();
}

TEST_CASE("daemon: the end of the data keeps the device running and the pool serving") {
  DaemonHarness h;
  h.FeedUntilRunning();
  h.device->EndOfData();
  auto c = h.Connect();
  REQUIRE(h.RunUntil([&] { return h.Status()["source_eof"] == true; }));
  CHECK(h.State() == "running");
  CHECK(c.ReadNonBlocking(32).size() == 32);
}

TEST_CASE("daemon: an alarm stops output (00 = 0, 01 empty); a waiting 02 is served after recovery") {
  DaemonHarness h;
  h.FeedUntilRunning(1024);
  auto polling = h.Connect();
  CHECK(polling.EntropyCount() > 0);
  // A stuck source: one value throughout fails the total failure test.
  egd::SecureBytes stuck(4096, 0x55);
  h.device->Feed(stuck);
  REQUIRE(h.RunUntil([&] { return h.daemon().device().state() == DeviceState::kFailed; }));
  CHECK(h.daemon().pool().size() == 0);  // wiped
  CHECK(polling.EntropyCount() == 0);
  CHECK(polling.ReadNonBlocking(32).empty());
  json st = h.Status();
  CHECK(st["output_stopped"] == true);
  CHECK(st["alarms"] == 1);
  CHECK(std::string(st["last_alarm"]).find("total_failure") != std::string::npos);
  CHECK(st["alarms_by_test"]["total_failure"] == 1);
  CHECK(st["alarms_by_test"]["repetition_count"] == 0);
  CHECK(st["last_alarm_test"] == "total_failure");
  double now = std::chrono::duration<double>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(std::abs(st["last_alarm_at"].get<double>() - now) < 5);
  CHECK(std::abs(st["state_since"].get<double>() - st["last_alarm_at"].get<double>()) < 1);
  CHECK(st["state_for_s"].get<double>() >= 0);
  REQUIRE(st["reinit_in_s"].is_number());  // on_alarm = reinit after 100 ms
  CHECK(st["reinit_in_s"].get<double>() <= 0.1);
  CHECK(st["health_tests"]["total_failure"]["failed"] == 1);
  CHECK(st["health_tests"]["total_failure"]["passed"] > 0);
  CHECK(st["health_tests"]["startup"]["passed"] == 1);
  CHECK(st["health_tests"]["adaptive_proportion"]["passed"] > 0);
  CHECK(st["health_tests"]["repetition_count"]["cutoff"] > 0);
  CHECK(st["bytes_passed"] > 0);
  CHECK(st["bytes_discarded"] > 0);  // the failing window
  auto waiting = h.Connect();
  waiting.Send("\x02\x10");
  CHECK(waiting.Recv(16, std::chrono::milliseconds(200)).empty());
  CHECK(h.Status()["waiting_readers"] == 1);
  // on_alarm = reinit after 100 ms: the device is opened again, and only bytes
  // that passed a new startup test reach the waiting reader.
  h.device->queued.clear();
  REQUIRE(h.RunUntil([&] { return h.daemon().device().state() == DeviceState::kInitializing; }));
  egd::SecureBytes fresh = h.FeedUntilRunning(0);
  std::string got = waiting.Recv(16);
  REQUIRE(got.size() == 16);
  std::string all(fresh.begin(), fresh.end());
  CHECK(all.find(got) != std::string::npos);
  CHECK(polling.EntropyCount() > 0);
  CHECK(h.Status()["output_stopped"] == false);
}

TEST_CASE("daemon: clients of egd.internal_listen are counted apart") {
  DaemonHarness h;
  h.WriteConfig(h.ConfigText({{"egd.internal_listen", "[\"unix:" + h.Path("internal.sock") + "\"]"}}));
  REQUIRE(h.Reload().ok());
  h.FeedUntilRunning();
  auto outside = h.Connect();
  auto inside = h.Connect(h.Path("internal.sock"));
  CHECK(inside.ReadNonBlocking(8).size() == 8);  // served alike
  REQUIRE(h.RunUntil([&] { return h.Status()["internal_clients"] == 1; }));
  CHECK(h.Status()["clients"] == 1);
  { EgdClient gone = std::move(inside); }
  REQUIRE(h.RunUntil([&] { return h.Status()["internal_clients"] == 0; }));
  CHECK(h.Status()["clients"] == 1);
  // One address cannot be both.
  h.WriteConfig(h.ConfigText({{"egd.internal_listen", "[\"unix:" + h.Path("egd.sock") + "\"]"}}));
  egd::Status st = h.Reload();
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("egd.internal_listen") != std::string::npos);
}

TEST_CASE("daemon: with on_alarm = stop the device stays failed until init") {
  DaemonHarness h(Keys{{"health.on_alarm", "\"stop\""}});
  h.FeedUntilRunning();
  egd::SecureBytes stuck(4096, 0);
  h.device->Feed(stuck);
  REQUIRE(h.RunUntil([&] { return h.daemon().device().state() == DeviceState::kFailed; }));
  CHECK(h.Status()["reinit_in_s"].is_null());  // none scheduled
  int opens = h.device->opens;
  h.RunFor(std::chrono::milliseconds(300));
  CHECK(h.device->opens == opens);
  h.device->queued.clear();
  CHECK(Command(h, "init")["ok"] == true);
  h.FeedUntilRunning();
}

TEST_CASE("daemon: blocking readers are served round-robin, one request each in turn") {
  DaemonHarness h;
  egd::SecureBytes fed = h.FeedUntilRunning(0);
  // Empty the pool, and keep the device from refilling it until all wait.
  h.device->Stall(true);
  fed.resize(fed.size() - h.device->queued.size());  // what the source delivered, in order
  h.device->queued.clear();
  {
    auto drain = h.Connect();
    REQUIRE(h.RunUntil([&] {
      drain.ReadNonBlocking(255);
      return h.daemon().pool().size() == 0;
    }));
  }
  std::vector<EgdClient> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(h.Connect());
  // A pipelines two reads; B and C one each, in this order.
  clients[0].Send("\x02\x0a\x02\x0a");
  REQUIRE(h.RunUntil([&] { return h.daemon().pool().waiting() == 1; }));
  clients[1].Send("\x02\x0a");
  REQUIRE(h.RunUntil([&] { return h.daemon().pool().waiting() == 2; }));
  clients[2].Send("\x02\x0a");
  REQUIRE(h.RunUntil([&] { return h.daemon().pool().waiting() == 3; }));
  h.device->Stall(false);
  std::string a1, b, c, a2;
  REQUIRE(h.RunUntil([&] {
    if (h.device->queued.empty()) {
      egd::SecureBytes more = HealthyBytes(4096, 77 + fed.size());
      fed.insert(fed.end(), more.begin(), more.end());
      h.device->Feed(more);
    }
    return h.daemon().pool().waiting() == 0;
  }));
  a1 = clients[0].Recv(10);
  a2 = clients[0].Recv(10);
  b = clients[1].Recv(10);
  c = clients[2].Recv(10);
  std::string all(fed.begin(), fed.end());
  size_t at = all.find(a1);
  REQUIRE(at != std::string::npos);
  CHECK(b == all.substr(at + 10, 10));   // B next,
  CHECK(c == all.substr(at + 20, 10));   // then C,
  CHECK(a2 == all.substr(at + 30, 10));  // then A's second request
}

TEST_CASE("daemon: a reload resizes the pool; reads after it are sized for the new pool") {
  DaemonHarness h(Keys{{"pool.size_bytes", "65536"}, {"source.read_size", "4096"}});
  h.FeedUntilRunning(65536 - 4096);
  size_t before = h.daemon().pool().size();
  h.WriteConfig(h.ConfigText({{"pool.size_bytes", "1024"}, {"source.read_size", "512"}}));
  REQUIRE(h.Reload().ok());
  CHECK(h.daemon().pool().capacity() == 1024);
  CHECK(h.daemon().pool().size() == std::min<size_t>(before, 1024));
  // Empty it: every read asked for from now on fits the new pool and read_size.
  size_t reads = h.device->reads.size();
  auto c = h.Connect();
  c.ReadNonBlocking(255);
  c.ReadNonBlocking(255);
  c.ReadNonBlocking(255);
  h.RunFor(std::chrono::milliseconds(50));
  for (size_t i = reads; i < h.device->reads.size(); ++i) CHECK(h.device->reads[i] <= 512);
  CHECK(h.Status()["pool_capacity"] == 1024);
}

}  // namespace
}  // namespace egdd
