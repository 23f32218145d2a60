// SerialSource: the wind-tunnel TRNG on a serial port (firmware/PROTOCOL.md).
// Open() opens [serial] port; Start() sets baud_rate (raw 8N1, no flow
// control), sends "on" and reads the device's frames continuously on the
// io_context; only the payloads of frames with a valid CRC are kept
// (trng::FrameDecoder), so garbage and corrupted frames are counted and
// skipped, never served. Close() sends "off". A read error, end of file
// (unplugged) or no valid frame or line for kSilenceLimit (silence is probed
// with "status") reports kLost; the daemon reopens with backoff. A device that
// resets while on is switched on again.
//
// Lifetime: everything of one open lives in a Link (the port, its timer, the
// decoder, the payload queue), owned by the source; every handler holds a
// weak_ptr to its Link and locks it first. Close and the destructor drop the
// Link, so an aborted read whose handler is still queued finds nothing.
// Every byte read from the port lives in secure memory: the read buffer and
// the frame decoder (whose fixed input buffer holds the raw frames) in one
// secure block, payloads waiting for the pool in a wiping ByteQueue.
#pragma once

#include <chrono>
#include <memory>

#include "egdd/source.h"
#include "firmware/core/frame_decoder.h"

namespace egdd {

class SerialSource final : public Source {
 public:
  static constexpr std::chrono::seconds kProbeAfter{2};
  static constexpr std::chrono::seconds kSilenceLimit{6};
  static constexpr size_t kMaxBuffered = 1 << 20;  // payload bytes waiting for the pool

  // Counters over every open (for status).
  struct Counters {
    trng::DecoderStats decoder;
    uint64_t overflow_bytes = 0;  // payload dropped because the pool was full
    uint64_t device_resets = 0;
    std::string last_line;
  };

  SerialSource(boost::asio::io_context& io, SerialConfig config, SourceCallbacks callbacks);
  ~SerialSource() override;

  std::string_view kind() const override { return "serial"; }
  bool is_trng() const override { return true; }
  std::string description() const override;
  std::string identity() const override { return DeviceIdentity(kind(), config_.port); }
  egd::Status Open() override;
  void Start() override;
  void Close() override;
  void Read(size_t max) override;
  nlohmann::json Stats() const override;

 private:
  class Link;

  boost::asio::io_context& io_;
  SerialConfig config_;
  SourceCallbacks callbacks_;
  std::shared_ptr<Link> link_;  // the current open
  Counters done_;               // of earlier opens
};

}  // namespace egdd
