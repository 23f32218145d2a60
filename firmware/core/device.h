// Device: the whole firmware behaviour, independent of the hardware.
//
// The sketch (firmware/nodemcu/nodemcu.ino) and trng-sim each implement Hal
// and call Begin() once and Poll() forever; everything else happens here:
// commands from the host (command_parser.h), sampling (sample_scheduler.h),
// bit extraction (bit_extractor.h) and output framing (frame.h). The wire
// protocol is firmware/PROTOCOL.md.
//
// Poll() never blocks except inside Hal::Write() for a text reply. A data
// frame is written only when Hal::WriteSpace() can take it whole; otherwise it
// is dropped and its sequence number skipped, so the host sees the loss as a
// gap instead of the sampling loop stalling behind a slow line.
// Single-threaded; plain C++17; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "firmware/core/bit_extractor.h"
#include "firmware/core/command_parser.h"
#include "firmware/core/frame.h"
#include "firmware/core/sample_scheduler.h"

namespace trng {

constexpr const char* kFirmwareName = "wind-tunnel-trng";
constexpr const char* kFirmwareVersion = "1.0.0";
constexpr int kProtocolVersion = 1;

class Hal {
 public:
  virtual ~Hal() = default;
  virtual uint32_t Micros() = 0;         // free-running, wraps at 2^32
  virtual uint16_t ReadAdc() = 0;        // solar cell, 0..1023
  virtual void SetFan(bool on) = 0;
  virtual void SetLight(bool on) = 0;    // the LED that lights the cell
  virtual int ReadByte() = 0;            // next byte from the host, or -1
  virtual size_t WriteSpace() = 0;       // bytes Write() takes without blocking
  virtual void Write(const uint8_t* data, size_t n) = 0;  // may block
};

struct DeviceConfig {
  uint32_t sample_hz = 240;     // 240 Hz / xor 4 = the manual's 60 bit/s
  uint32_t max_burst = 1;       // see SampleScheduler
  uint32_t spinup_ms = 2000;    // fan and snippets settle into turbulence
  uint8_t payload_size = kDevicePayload;  // 1..kMaxPayload
  ExtractorConfig extractor;
};

struct DeviceStats {
  uint64_t frames = 0;   // data frames written
  uint64_t dropped = 0;  // data frames dropped for lack of line space
};

class Device {
 public:
  Device(Hal& hal, const DeviceConfig& config);

  void Begin();  // actuators off, "!boot ..." line
  void Poll();   // one pass of loop()

  bool on() const { return state_ != State::kOff; }
  bool sampling() const { return state_ == State::kRunning; }
  const DeviceStats& stats() const { return stats_; }
  const BitExtractor& extractor() const { return extractor_; }
  const SampleScheduler& scheduler() const { return scheduler_; }

 private:
  enum class State { kOff, kSpinUp, kRunning };

  void ReadCommands();
  void Execute(Command command);
  void SwitchOn();
  void SwitchOff();
  void RunSampling();
  void EmitFrame();
  void Reply(const char* text);
  void ReplyStatus();
  void ReplyVersion(const char* tag);

  Hal& hal_;
  DeviceConfig config_;
  CommandParser parser_;
  SampleScheduler scheduler_;
  BitExtractor extractor_;
  DeviceStats stats_;
  State state_ = State::kOff;
  uint32_t spinup_start_us_ = 0;
  uint16_t seq_ = 0;
  uint8_t payload_[kMaxPayload] = {};
  size_t payload_n_ = 0;
};

}  // namespace trng
