#include "health/health.h"

#include <catch2/catch.hpp>
#include <numeric>
#include <random>

namespace egd {
namespace {

std::vector<uint8_t> Counting(size_t n) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

std::vector<uint8_t> RandomBytes(size_t n, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng() >> 56);
  return v;
}

HealthParams NoStartup() {
  HealthParams p;
  p.startup_bytes = 0;
  return p;
}

TEST_CASE("total failure boundary with the manual's limit: 6 identical pass, 7 fail") {
  TotalFailureParams p{100, 6};
  auto chunk = Counting(100);
  for (int i = 0; i < 5; ++i) chunk[10 + i] = 0xA5;  // 0xA5 absent from 0..99; now 5 times
  chunk[20] = 0xA5;                                   // 6 times
  CHECK_FALSE(TotalFailureCheck(chunk, p).has_value());
  chunk[21] = 0xA5;  // 7 times
  auto alarm = TotalFailureCheck(chunk, p);
  REQUIRE(alarm.has_value());
  CHECK(alarm->test == "total_failure");
}

TEST_CASE("total failure boundary with the default limit: 12 identical pass, 13 fail") {
  TotalFailureParams p;
  REQUIRE(p.max_identical == 12);
  auto chunk = Counting(100);
  for (int i = 0; i < 12; ++i) chunk[3 * i + 1] = 0xEE;
  CHECK_FALSE(TotalFailureCheck(chunk, p).has_value());
  chunk[99] = 0xEE;
  CHECK(TotalFailureCheck(chunk, p).has_value());
}

TEST_CASE("a source stuck at any value fails the total failure test within one chunk") {
  TotalFailureParams p;
  for (int v = 0; v < 256; ++v) {
    std::vector<uint8_t> chunk(100, static_cast<uint8_t>(v));
    CHECK(TotalFailureCheck(chunk, p).has_value());
  }
}

TEST_CASE("gate releases bytes only when their chunk and APT window passed, in order") {
  HealthGate gate(NoStartup());  // bit mode: APT windows of 128 bytes
  auto data = RandomBytes(1000);
  SecureBytes out;
  CHECK_FALSE(gate.Push(std::span(data).first(150), &out).has_value());
  CHECK(out.size() == 100);  // chunk [0,100) done, APT window [0,128) done
  CHECK_FALSE(gate.Push(std::span(data).subspan(150, 100), &out).has_value());
  CHECK(out.size() == 128);  // min(tf 200, apt 128)
  CHECK_FALSE(gate.Push(std::span(data).subspan(250), &out).has_value());
  CHECK(out.size() == 896);  // min(tf 1000, apt 896)
  CHECK(std::equal(out.begin(), out.end(), data.begin()));
  CHECK(gate.pending() == 104);
}

TEST_CASE("gate alarm drops the failing window and what follows") {
  HealthGate gate(NoStartup());
  auto data = RandomBytes(1280);
  for (size_t i = 1000; i < 1100; ++i) data[i] = 0xA5;  // stuck: RCT on bits will not see 0xA5; TF will
  SecureBytes out;
  CHECK_FALSE(gate.Push(std::span(data).first(1000), &out).has_value());
  auto alarm = gate.Push(std::span(data).subspan(1000), &out);
  REQUIRE(alarm.has_value());
  CHECK(alarm->test == "total_failure");
  CHECK(out.size() == 896);  // APT windows to 896 passed; [896,1000) was still held
  CHECK(alarm->discarded == 1280 - 896);
  CHECK(gate.pending() == 0);
}

TEST_CASE("nothing is released before the startup test passes; failing it is an alarm") {
  HealthParams p;
  p.startup_bytes = 500;
  int calls = 0;
  bool pass = true;
  HealthGate gate(p, [&](std::span<const uint8_t> w) -> std::optional<HealthAlarm> {
    ++calls;
    CHECK(w.size() == 500);
    if (pass) return std::nullopt;
    return HealthAlarm{"startup", "rejected", 0};
  });
  auto data = RandomBytes(2000);
  SecureBytes out;
  CHECK_FALSE(gate.Push(std::span(data).first(499), &out).has_value());
  CHECK(out.empty());
  CHECK(gate.starting());
  CHECK_FALSE(gate.Push(std::span(data).subspan(499, 101), &out).has_value());
  CHECK(calls == 1);
  CHECK_FALSE(gate.starting());
  CHECK(out.size() == 512);  // min(tf 600, apt 512)
  gate.Restart();
  pass = false;
  out.clear();
  // The failed window is repeated once; the second failure is the alarm.
  CHECK_FALSE(gate.Push(std::span(data).subspan(600, 600), &out).has_value());
  CHECK(gate.stats().startup_repeats == 1);
  auto alarm = gate.Push(std::span(data).subspan(1200, 400), &out);
  REQUIRE(alarm.has_value());
  CHECK(alarm->test == "startup");
  CHECK(calls == 3);
  CHECK(out.empty());
}

TEST_CASE("a startup window that fails once is dropped and the next one decides") {
  HealthParams p;
  p.startup_bytes = 500;
  int calls = 0;
  HealthGate gate(p, [&](std::span<const uint8_t>) -> std::optional<HealthAlarm> {
    if (++calls == 1) return HealthAlarm{"startup", "monobit 9700", 0};
    return std::nullopt;
  });
  auto data = RandomBytes(2000);
  SecureBytes out;
  CHECK_FALSE(gate.Push(std::span(data).first(1100), &out).has_value());
  CHECK(calls == 2);
  CHECK_FALSE(gate.starting());
  CHECK(gate.TakeDropped() == 500);
  CHECK(gate.TakeDropped() == 0);
  CHECK(gate.last_startup_failure() == "monobit 9700");
  // Only bytes after the failed window come out, in order.
  REQUIRE(!out.empty());
  CHECK(std::equal(out.begin(), out.end(), data.begin() + 500));
  HealthStats s = gate.stats();
  CHECK(s.startup.passed == 1);
  CHECK(s.startup.failed == 0);
  CHECK(s.startup_repeats == 1);

  // Every power-on gets its own repetition.
  calls = 0;
  gate.Restart();
  out.clear();
  CHECK_FALSE(gate.Push(std::span(data).subspan(1100, 900), &out).has_value());
  CHECK(calls == 1);
  CHECK(gate.stats().startup_repeats == 2);
}

TEST_CASE("total failure check reports the count of the most frequent value") {
  auto chunk = Counting(100);
  uint32_t most = 0;
  CHECK_FALSE(TotalFailureCheck(chunk, TotalFailureParams{}, &most).has_value());
  CHECK(most == 1);
  for (int i = 0; i < 9; ++i) chunk[i] = 0xEE;
  CHECK_FALSE(TotalFailureCheck(chunk, TotalFailureParams{}, &most).has_value());
  CHECK(most == 9);
  for (int i = 0; i < 20; ++i) chunk[i] = 0xEE;
  CHECK(TotalFailureCheck(chunk, TotalFailureParams{}, &most).has_value());
  CHECK(most == 13);  // where the test stopped: max_identical + 1
}

TEST_CASE("gate counts passes, failures and last statistics per test") {
  HealthParams p;
  p.startup_bytes = 500;
  bool pass = true;
  HealthGate gate(p, [&](std::span<const uint8_t>) -> std::optional<HealthAlarm> {
    if (pass) return std::nullopt;
    return HealthAlarm{"startup", "rejected", 0};
  });
  auto data = RandomBytes(1000);
  for (int i = 0; i < 10; ++i) data[900 + i] = 0x42;  // chunk [900,1000): 0x42 at least 10 times
  SecureBytes out;
  CHECK_FALSE(gate.Push(data, &out).has_value());
  HealthStats s = gate.stats();
  CHECK(s.total_failure.passed == 10);
  CHECK(s.total_failure.failed == 0);
  CHECK(s.total_failure.last_statistic >= 10);
  CHECK(s.startup.passed == 1);
  CHECK(s.repetition_count.passed == 1000 / 128);
  CHECK(s.adaptive_proportion.passed == 1000 / 128);
  CHECK(s.repetition_count.last_statistic > 0);
  CHECK(s.adaptive_proportion.last_statistic > 0);

  std::vector<uint8_t> stuck(200, 0x00);  // RCT (bit samples) fails first
  auto alarm = gate.Push(stuck, &out);
  REQUIRE(alarm.has_value());
  CHECK(alarm->test == "repetition_count");
  CHECK(gate.stats().repetition_count.failed == 1);
  pass = false;
  alarm = gate.Push(RandomBytes(1100, 2), &out);  // a window, its repetition and more
  REQUIRE(alarm.has_value());
  CHECK(alarm->test == "startup");
  s = gate.stats();
  CHECK(s.startup_repeats == 1);
  CHECK(s.startup.failed == 1);
  CHECK(s.startup.passed == 1);
  CHECK(s.repetition_count.failed == 1);
  CHECK(s.total_failure.failed == 0);

  HealthStats sum = s;
  sum += s;
  CHECK(sum.startup.failed == 2);
  CHECK(sum.startup_repeats == 2);
  CHECK(sum.total_failure.passed == 2 * s.total_failure.passed);
  CHECK(sum.total_failure.last_statistic == s.total_failure.last_statistic);
  CHECK(sum.Find("no_such_test") == nullptr);
}

TEST_CASE("the unreleased window is held in secure memory") {
  HealthGate gate(NoStartup());
  auto data = RandomBytes(4096);
  SecureBytes out;
  size_t before = GetSecureMemoryStats().in_use_bytes;
  CHECK_FALSE(gate.Push(std::span(data).first(4000), &out).has_value());
  CHECK(gate.pending() > 0);
  CHECK(GetSecureMemoryStats().in_use_bytes > before);
  gate.Restart();
  CHECK(gate.pending() == 0);
}

}  // namespace
TEST_CASE("without a startup test the startup window still waits for the continuous tests") {
  HealthParams p;
  p.startup_bytes = 128;  // 1,024 bit samples: one APT window
  HealthGate gate(p);
  auto data = RandomBytes(256);
  SecureBytes passed;
  REQUIRE(!gate.Push(std::span(data).first(127), &passed));
  CHECK(passed.empty());
  CHECK(gate.starting());
  REQUIRE(!gate.Push(std::span(data).subspan(127, 129), &passed));
  CHECK(!gate.starting());
  CHECK(passed.size() >= 128);
  CHECK(std::equal(passed.begin(), passed.end(), data.begin()));
  CHECK(gate.stats().startup.passed == 1);
}

}  // namespace egd
