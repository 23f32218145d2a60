// Device behaviour through its Hal, with a scripted board: time, ADC values,
// host input and the bytes on the line (decoded with the real FrameDecoder).
#include "firmware/core/device.h"

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "firmware/core/frame_decoder.h"

namespace trng {
namespace {

struct ScriptedBoard : Hal {
  uint32_t now = 0;
  std::function<uint16_t()> adc = [] { return 512; };
  bool fan = false, light = false;
  std::string input;
  std::vector<uint8_t> line;
  size_t space = 1000;
  uint64_t adc_reads = 0;

  uint32_t Micros() override { return now; }
  uint16_t ReadAdc() override { ++adc_reads; return adc(); }
  void SetFan(bool on) override { fan = on; }
  void SetLight(bool on) override { light = on; }
  int ReadByte() override {
    if (input.empty()) return -1;
    const int c = static_cast<uint8_t>(input[0]);
    input.erase(0, 1);
    return c;
  }
  size_t WriteSpace() override { return space; }
  void Write(const uint8_t* d, size_t n) override { line.insert(line.end(), d, d + n); }
};

struct Host : FrameSink {
  FrameDecoder decoder;
  std::vector<std::string> lines;
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<uint16_t> seqs;
  void OnData(uint16_t seq, uint32_t, const uint8_t* d, size_t n) override {
    seqs.push_back(seq);
    payloads.emplace_back(d, d + n);
  }
  void OnLine(std::string_view t) override { lines.emplace_back(t); }
  void Drain(ScriptedBoard& b) {
    decoder.Feed(b.line.data(), b.line.size(), *this);
    b.line.clear();
  }
};

// Runs loop() every millisecond for `ms` milliseconds of device time.
void RunFor(Device& d, ScriptedBoard& b, uint32_t ms) {
  for (uint32_t i = 0; i < ms; ++i) {
    b.now += 1000;
    d.Poll();
  }
}

// Large alternating steps: every sample passes the motion gate; LSB cycles.
std::function<uint16_t()> MovingAdc() {
  auto n = std::make_shared<uint32_t>(0);
  return [n] { ++*n; return static_cast<uint16_t>((*n % 2 ? 300 : 700) + (*n * 7919 % 13)); };
}

TEST_CASE("Boot line, then silence until on", "[device]") {
  ScriptedBoard b;
  Device d(b, DeviceConfig{});
  Host h;
  d.Begin();
  RunFor(d, b, 5000);
  h.Drain(b);
  REQUIRE(h.lines.size() == 1);
  REQUIRE(h.lines[0].rfind("boot wind-tunnel-trng fw=", 0) == 0);
  REQUIRE(h.payloads.empty());
  REQUIRE(b.adc_reads == 0);
  REQUIRE_FALSE(b.fan);
}

TEST_CASE("on: fan and light, spin-up, then frames at 60 bit/s; off stops them", "[device]") {
  ScriptedBoard b;
  b.adc = MovingAdc();
  Device d(b, DeviceConfig{});
  Host h;
  d.Begin();
  b.input = "on\n";
  RunFor(d, b, 1999);
  REQUIRE(b.fan);
  REQUIRE(b.light);
  REQUIRE(b.adc_reads == 0);  // still spinning up
  RunFor(d, b, 60'002);       // 60 s of sampling: 14,400 samples, 3,599 bits
  h.Drain(b);
  REQUIRE(h.lines == std::vector<std::string>{h.lines[0], "ok on"});
  REQUIRE(b.adc_reads == 14'400);
  REQUIRE(h.payloads.size() == 14);  // 450 bytes -> 14 full frames of 32
  for (size_t i = 0; i < h.seqs.size(); ++i) REQUIRE(h.seqs[i] == i);
  b.input = "off\n";
  RunFor(d, b, 10'000);
  h.Drain(b);
  REQUIRE(h.lines.back() == "ok off");
  REQUIRE(h.payloads.size() == 14);
  REQUIRE_FALSE(b.fan);
  REQUIRE(h.decoder.stats().skipped_bytes == 0);
}

TEST_CASE("on again restarts numbering; on while on changes nothing", "[device]") {
  ScriptedBoard b;
  b.adc = MovingAdc();
  DeviceConfig c;
  c.spinup_ms = 0;
  Device d(b, c);
  Host h;
  b.input = "on\n";
  RunFor(d, b, 10'000);
  b.input = "on\n";
  RunFor(d, b, 10'000);
  b.input = "off\non\n";
  RunFor(d, b, 5'000);
  h.Drain(b);
  REQUIRE(h.seqs == std::vector<uint16_t>{0, 1, 2, 3, 0});  // 2 frames per 10 s
  REQUIRE(h.decoder.stats().seq_restarts == 1);
  REQUIRE(h.decoder.stats().lost_frames == 0);
}

TEST_CASE("status and version replies; unknown commands get an error", "[device]") {
  ScriptedBoard b;
  b.adc = MovingAdc();
  DeviceConfig c;
  c.spinup_ms = 0;
  Device d(b, c);
  Host h;
  b.input = "version\non\n";
  RunFor(d, b, 1001);  // 1 s of sampling: 240 samples
  b.input = "status\nbogus\n";
  RunFor(d, b, 1);
  h.Drain(b);
  REQUIRE(h.lines.size() == 4);
  REQUIRE(h.lines[0] == "version wind-tunnel-trng fw=1.0.0 protocol=1 debias=xor4 sample_hz=240 payload=32");
  const std::string& s = h.lines[2];
  INFO(s);
  REQUIRE(s.rfind("status on=1 fan=1 light=1 sampling=1 samples=240 quiet=0 adc_min=", 0) == 0);
  REQUIRE(s.find(" raw_bits=239 bits=59 discard_pm=753 frames=0 dropped=0 late=0") != std::string::npos);
  REQUIRE(h.lines[3] == "err unknown-command bogus");
}

TEST_CASE("A full line drops whole frames, seen by the host as a sequence gap", "[device]") {
  ScriptedBoard b;
  b.adc = MovingAdc();
  DeviceConfig c;
  c.spinup_ms = 0;
  Device d(b, c);
  Host h;
  b.input = "on\n";
  RunFor(d, b, 10'000);
  b.space = 10;  // the UART buffer is full
  RunFor(d, b, 10'000);
  b.space = 1000;
  RunFor(d, b, 10'000);
  h.Drain(b);
  REQUIRE(d.stats().dropped >= 1);
  REQUIRE(h.decoder.stats().lost_frames == d.stats().dropped);
  REQUIRE(h.decoder.stats().crc_errors == 0);
}

TEST_CASE("A stuck sensor yields constant payloads, not silence", "[device]") {
  ScriptedBoard b;
  uint32_t k = 0;
  b.adc = [&k] { return static_cast<uint16_t>(849 + (++k % 3)); };  // fan stopped, ADC noise
  DeviceConfig c;
  c.spinup_ms = 0;
  Device d(b, c);
  Host h;
  b.input = "on\n";
  RunFor(d, b, 20'000);
  h.Drain(b);
  REQUIRE(h.payloads.size() == 4);
  for (const auto& p : h.payloads) REQUIRE(p == std::vector<uint8_t>(32, 0x00));
}

}  // namespace
}  // namespace trng
