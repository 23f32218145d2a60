// FrameDecoder: host-side parser of the device -> host byte stream
// (firmware/core/frame.h, firmware/PROTOCOL.md).
//
// Contract:
// - Pure incremental state machine: Feed() takes byte pieces of any size (a
//   frame may arrive one byte at a time or many frames in one piece) and calls
//   the sink synchronously, in stream order, for every complete valid unit.
// - A data payload is emitted only when its frame's CRC-32 matches; no byte of
//   a corrupted, truncated or unrecognised frame ever reaches OnData().
// - After a bad candidate (wrong header, bad CRC, malformed line) the decoder
//   re-searches from the byte after the candidate's first byte, so a valid
//   frame hidden behind garbage or inside a damaged frame is still found.
// - Memory is fixed: the decoder holds its input in an array of its own
//   (kBufferSize bytes, fed through in pieces), never on the heap, so where
//   the decoder lives decides where the raw bytes live (egdd puts it in
//   locked, dont-dump memory). Consumed bytes are zeroed as the buffer is
//   compacted, on Reset() and on destruction: payload bytes never linger.
// - Not thread-safe; one decoder per serial connection. Call Reset() after
//   reopening the port. The sink must not call Feed() from a callback.
// - Plain C++17, no I/O, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/core/frame.h"

namespace trng {

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // Payload of a valid data frame. `lost_before` is the number of frames
  // missing between the previous valid frame and this one (0 normally).
  virtual void OnData(uint16_t seq, uint32_t lost_before, const uint8_t* data, size_t n) = 0;
  // Text of a valid line, without '!', '*CRC' and "\r\n" (e.g. "ok on").
  virtual void OnLine(std::string_view text) = 0;
};

struct DecoderStats {
  uint64_t frames = 0;         // valid data frames emitted
  uint64_t payload_bytes = 0;  // bytes in them
  uint64_t lines = 0;          // valid text lines emitted
  uint64_t skipped_bytes = 0;  // bytes not part of any valid frame or line
  uint64_t crc_errors = 0;     // well-formed frame candidates with a wrong CRC
  uint64_t bad_lines = 0;      // line candidates that were malformed or had a wrong CRC
  uint64_t seq_gaps = 0;       // times one or more frames were missing
  uint64_t lost_frames = 0;    // frames missing in total
  uint64_t seq_restarts = 0;   // seq jumped back (device restarted numbering)
};

class FrameDecoder {
 public:
  // Room for the longest held-back candidate (< kMaxLineSize) plus input.
  static constexpr size_t kBufferSize = 512;

  FrameDecoder() = default;
  ~FrameDecoder();
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  void Feed(const uint8_t* data, size_t n, FrameSink& sink);

  // Forgets (zeroes) partial input and the expected sequence number (the next
  // valid frame counts no gap); for a reopened port. Statistics are kept. Called
  // from a sink callback, it also drops the rest of the piece being fed.
  void Reset();
  // Forgets only the expected sequence number; safe from a sink callback
  // (e.g. on the reply "ok on"). Not needed for a restart at seq 0, which is
  // never counted as a gap.
  void ResetSequence() { have_expected_ = false; }

  const DecoderStats& stats() const { return stats_; }
  // Bytes held back waiting for the rest of a candidate.
  size_t pending() const { return len_ - pos_; }

 private:
  enum class Result { kNeedMore, kAccepted, kRejected };

  void Process(FrameSink& sink);
  Result TryFrame(FrameSink& sink);
  Result TryLine(FrameSink& sink);
  void CountSequence(uint16_t seq, uint32_t* lost_before);
  void Compact();

  uint8_t buf_[kBufferSize] = {};
  size_t len_ = 0;  // bytes held in buf_
  size_t pos_ = 0;  // first unconsumed byte in buf_
  uint32_t resets_ = 0;  // bumped by Reset(): Feed stops feeding the piece
  bool have_expected_ = false;
  uint16_t expected_seq_ = 0;
  DecoderStats stats_;
};

}  // namespace trng
