// SerialSource: the wind-tunnel TRNG on a serial port (firmware/PROTOCOL.md).
// Open() opens [serial] port at baud_rate (raw 8N1, no flow control), sends
// "on" and reads the device's frames continuously on the io_context; only the
// payloads of frames with a valid CRC are kept (trng::FrameDecoder), so garbage
// and corrupted frames are counted and skipped, never served. Close() sends
// "off". A read error, end of file (unplugged) or no valid frame or line for
// kSilenceLimit (silence is probed with "status") reports kLost; the daemon
// reopens with backoff. A device that resets while on is switched on again.
// Every byte read from the port lives in secure memory: the read buffer and
// the frame decoder (whose fixed input buffer holds the raw frames) in one
// secure block, payloads waiting for the pool in a wiping ByteQueue.
#pragma once

#include <chrono>
#include <optional>

#include <boost/asio/serial_port.hpp>
#include <boost/asio/steady_timer.hpp>

#include "egdd/byte_queue.h"
#include "egdd/source.h"
#include "firmware/core/frame_decoder.h"

namespace egdd {

class SerialSource final : public Source, private trng::FrameSink {
 public:
  static constexpr std::chrono::seconds kProbeAfter{2};
  static constexpr std::chrono::seconds kSilenceLimit{6};
  static constexpr size_t kMaxBuffered = 1 << 20;  // payload bytes waiting for the pool

  SerialSource(boost::asio::io_context& io, SerialConfig config, SourceCallbacks callbacks);
  ~SerialSource() override;

  std::string_view kind() const override { return "serial"; }
  bool is_trng() const override { return true; }
  std::string description() const override;
  egd::Status Open() override;
  void Close() override;
  void Read(size_t max) override;
  nlohmann::json Stats() const override;

 private:
  void OnData(uint16_t seq, uint32_t lost_before, const uint8_t* data, size_t n) override;
  void OnLine(std::string_view text) override;
  void ReadSome();
  void ArmWatchdog();
  void Lost(const std::string& why);
  void Deliver();
  bool Send(std::string_view command);

  boost::asio::io_context& io_;
  SerialConfig config_;
  SourceCallbacks callbacks_;
  boost::asio::serial_port port_;
  boost::asio::steady_timer watchdog_;
  struct Wire {  // raw bytes from the port
    std::array<uint8_t, 1024> read_buf{};
    trng::FrameDecoder decoder;
  };
  egd::SecureUnique<Wire> wire_;
  ByteQueue buffered_;              // valid payload bytes in arrival order
  std::optional<size_t> wanted_;    // an outstanding Read(max)
  uint64_t generation_ = 0;         // bumps on Close: stale handlers stop
  uint64_t overflow_bytes_ = 0;     // payload dropped because the pool was full
  std::chrono::steady_clock::time_point last_heard_;  // last valid frame or line
  bool open_sent_ = false;        // the device confirmed "on"
  uint64_t device_resets_ = 0;
  std::string last_line_;
};

}  // namespace egdd
