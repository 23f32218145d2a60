#include "common/health.h"

#include <catch2/catch.hpp>
#include <numeric>

namespace egd {
namespace {

std::vector<uint8_t> Counting(size_t n) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TEST_CASE("total failure threshold boundary: 6 identical pass, 7 fail") {
  TotalFailureParams p;
  auto chunk = Counting(100);
  for (int i = 0; i < 5; ++i) chunk[10 + i] = 0xA5;  // 0xA5 absent from 0..99; now 5 times
  chunk[20] = 0xA5;                                   // 6 times
  CHECK_FALSE(TotalFailureCheck(chunk, p).has_value());
  chunk[21] = 0xA5;  // 7 times
  auto alarm = TotalFailureCheck(chunk, p);
  REQUIRE(alarm.has_value());
  CHECK(alarm->test == "total_failure");
}

TEST_CASE("a source stuck at any value fails within one chunk") {
  TotalFailureParams p;
  for (int v = 0; v < 256; ++v) {
    std::vector<uint8_t> chunk(100, static_cast<uint8_t>(v));
    CHECK(TotalFailureCheck(chunk, p).has_value());
  }
}

TEST_CASE("gate releases only whole passed chunks, in order") {
  HealthGate gate({100, 6});
  auto data = Counting(250);
  std::vector<uint8_t> out;
  CHECK_FALSE(gate.Push(std::span(data).first(150), &out).has_value());
  CHECK(out.size() == 100);
  CHECK(gate.pending() == 50);
  CHECK_FALSE(gate.Push(std::span(data).subspan(150), &out).has_value());
  CHECK(out.size() == 200);
  CHECK(std::equal(out.begin(), out.end(), data.begin()));
  CHECK(gate.pending() == 50);
}

TEST_CASE("gate alarm drops the failing window and what follows") {
  HealthGate gate({100, 6});
  auto data = Counting(100);
  std::vector<uint8_t> bad(100, 0);
  data.insert(data.end(), bad.begin(), bad.end());
  auto tail = Counting(30);
  data.insert(data.end(), tail.begin(), tail.end());
  std::vector<uint8_t> out;
  auto alarm = gate.Push(data, &out);
  REQUIRE(alarm.has_value());
  CHECK(out.size() == 100);
  CHECK(gate.pending() == 0);
}

}  // namespace
}  // namespace egd
