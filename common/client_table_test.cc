#include "common/client_table.h"

#include <catch2/catch.hpp>

namespace egd {
namespace {

using namespace std::chrono_literals;
using Clock = ClientTable::Clock;

TEST_CASE("unlimited by default; counts connections and bytes per address") {
  ClientTable t;
  auto now = Clock::now();
  t.Connect("192.0.2.1", now);
  t.Connect("192.0.2.1", now);
  t.Connect("unix", now);
  CHECK(t.WaitFor("192.0.2.1", 255, now) == Clock::duration::zero());
  t.Served("192.0.2.1", 100);
  t.Disconnect("192.0.2.1", now);
  auto j = t.ToJson();
  REQUIRE(j.size() == 2);
  CHECK(j[0]["address"] == "192.0.2.1");
  CHECK(j[0]["connections"] == 1);
  CHECK(j[0]["connections_total"] == 2);
  CHECK(j[0]["bytes_served"] == 100);
}

TEST_CASE("token bucket: burst, then the rate, shared by an address's connections") {
  ClientTable t;
  t.Configure(1000, 500);
  auto now = Clock::now();
  t.Connect("a", now);
  t.Connect("a", now);
  CHECK(t.Allowance("a", now) == 500);
  t.Served("a", 400);
  CHECK(t.Allowance("a", now) == 100);
  auto wait = t.WaitFor("a", 255, now);  // 155 missing at 1000/s: 155 ms
  CHECK(wait >= 155ms);
  CHECK(wait <= 157ms);
  CHECK(t.Allowance("a", now + 155ms) == 255);
  CHECK(t.Allowance("a", now + 10s) == 500);  // never above the burst
  t.Connect("b", now);
  CHECK(t.Allowance("b", now) == 500);  // other addresses are independent
}

TEST_CASE("idle addresses are forgotten beyond the cap, oldest first") {
  ClientTable t;
  auto now = Clock::now();
  for (size_t i = 0; i < ClientTable::kMaxIdle + 10; ++i) {
    std::string a = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    t.Connect(a, now + std::chrono::seconds(i));
    t.Disconnect(a, now + std::chrono::seconds(i));
  }
  t.Connect("keep", now);
  CHECK(t.addresses() == ClientTable::kMaxIdle + 1);
  auto j = t.ToJson();
  bool has_first = false;
  for (auto& e : j) has_first |= e["address"] == "10.0.0.0";
  CHECK_FALSE(has_first);
}

}  // namespace
}  // namespace egd
