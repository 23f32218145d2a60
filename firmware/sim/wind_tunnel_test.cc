// The firmware core on the simulated board and tunnel, in virtual time: what
// the host would receive in normal operation and under each physical fault.
#include "firmware/sim/wind_tunnel.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <span>
#include <utility>
#include <vector>

#include "eval/fips140.h"
#include "firmware/core/device.h"
#include "firmware/core/frame_decoder.h"
#include "firmware/sim/sim_hal.h"

namespace trng::sim {
namespace {

struct Rig : FrameSink {
  WindTunnel tunnel{12345};
  SimHal hal{tunnel};
  Device device{hal, DeviceConfig{}};
  FrameDecoder decoder;
  std::vector<uint8_t> data;

  void OnData(uint16_t, uint32_t, const uint8_t* d, size_t n) override { data.insert(data.end(), d, d + n); }
  void OnLine(std::string_view) override {}

  void Command(const char* text) {
    for (const char* p = text; *p; ++p) hal.rx().push_back(static_cast<uint8_t>(*p));
  }
  // Runs loop() every device millisecond, as trng-sim does, and moves the
  // line's bytes to the decoder (an unthrottled line).
  void Run(uint32_t seconds) {
    for (uint32_t i = 0; i < seconds * 1000; ++i) {
      hal.set_now_us(hal.now_us() + 1000);
      device.Poll();
      tunnel.AdvanceTo(hal.now_us());
      std::vector<uint8_t> line(hal.tx().begin(), hal.tx().end());
      hal.tx().clear();
      decoder.Feed(line.data(), line.size(), *this);
    }
  }
  std::vector<uint8_t> Take() { return std::exchange(data, {}); }
};

size_t MaxIdenticalPer100(const std::vector<uint8_t>& d) {
  size_t worst = 0;
  for (size_t off = 0; off + 100 <= d.size(); off += 100) {
    size_t count[256] = {};
    for (size_t i = off; i < off + 100; ++i) worst = std::max(worst, ++count[d[i]]);
  }
  return worst;
}

TEST_CASE("Sim: a running tunnel passes FIPS 140-2 and the total failure test", "[sim]") {
  Rig r;
  r.device.Begin();
  r.Command("on\n");
  r.Run(1400);  // 1400 s of device time at 60 bit/s: 10,500 bytes
  const std::vector<uint8_t> d = r.Take();
  REQUIRE(d.size() >= 10'000);
  for (size_t b = 0; b + 2500 <= d.size(); b += 2500) {
    for (const auto& t : egdstat::fips140::BlockTests(std::span(d).subspan(b, 2500))) {
      INFO("block " << b / 2500 << " " << t.name);
      REQUIRE(t.pass);
    }
  }
  REQUIRE(MaxIdenticalPer100(d) <= 12);
  const ExtractorStats& s = r.device.extractor().stats();
  REQUIRE(s.quiet * 10 < s.samples);  // the gate seldom closes while the fan runs (~7 %)
  REQUIRE(s.adc_max - s.adc_min > 200);
}

TEST_CASE("Sim: fan stop makes the output constant; fan start recovers it", "[sim]") {
  Rig r;
  r.device.Begin();
  r.Command("on\n");
  r.Run(60);
  r.tunnel.SetFanBroken(true);
  r.Run(10);  // coast down, snippets fall
  REQUIRE(r.tunnel.snippets_at_rest());
  r.Take();
  r.Run(120);
  const std::vector<uint8_t> stuck = r.Take();
  REQUIRE(stuck.size() >= 800);
  REQUIRE(std::count(stuck.begin(), stuck.end(), 0) == static_cast<long>(stuck.size()));
  r.tunnel.SetFanBroken(false);
  r.Run(10);
  r.Take();
  r.Run(120);
  REQUIRE(MaxIdenticalPer100(r.Take()) <= 12);
}

TEST_CASE("Sim: direct sunlight pins the ADC at 1023 and the output at zero", "[sim]") {
  Rig r;
  r.device.Begin();
  r.Command("on\n");
  r.Run(10);
  r.tunnel.SetSunlight(true);
  r.Run(1);
  r.Take();
  r.Command("status\n");  // restart the min/max window
  r.Run(60);
  REQUIRE(r.device.extractor().stats().adc_min == 1023);
  const std::vector<uint8_t> d = r.Take();
  REQUIRE(d.size() >= 400);
  REQUIRE(std::count(d.begin(), d.end(), 0) == static_cast<long>(d.size()));
}

TEST_CASE("Sim: off stops the fan and light; the cell goes dark", "[sim]") {
  Rig r;
  r.device.Begin();
  r.Command("on\n");
  r.Run(5);
  REQUIRE(r.tunnel.fan_speed() > 0.99);
  r.Command("off\n");
  r.Run(10);
  REQUIRE(r.tunnel.fan_speed() < 0.01);
  REQUIRE(r.tunnel.snippets_at_rest());
  REQUIRE(r.tunnel.ReadAdc() < 40);
}

}  // namespace
}  // namespace trng::sim
