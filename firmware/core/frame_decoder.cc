#include "firmware/core/frame_decoder.h"

#include <algorithm>
#include <cstring>

namespace trng {
namespace {

// Zeroes n bytes through a volatile pointer, so the stores are never elided.
void Zero(uint8_t* p, size_t n) {
  volatile uint8_t* v = p;
  for (size_t i = 0; i < n; ++i) v[i] = 0;
}

// The longest candidate Process() may hold back is a line just short of its
// end; the buffer must also leave room for new input beside it.
static_assert(kMaxFrameSize < kMaxLineSize && 2 * kMaxLineSize <= FrameDecoder::kBufferSize,
              "the buffer must hold a held-back line and fresh input");

int HexValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

uint32_t ReadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

FrameDecoder::~FrameDecoder() { Zero(buf_, sizeof buf_); }

// The input goes through the buffer a piece at a time: after Process() at most
// one candidate (< kMaxLineSize bytes) is held back, so each round takes at
// least kBufferSize - kMaxLineSize new bytes and the work stays linear.
void FrameDecoder::Feed(const uint8_t* data, size_t n, FrameSink& sink) {
  const uint32_t resets = resets_;
  while (n > 0) {
    const size_t take = std::min(n, kBufferSize - len_);
    std::memcpy(buf_ + len_, data, take);
    len_ += take;
    data += take;
    n -= take;
    Process(sink);
    if (resets_ != resets) return;  // Reset() from a callback drops the rest of the piece
    Compact();
  }
}

// Moves the held-back candidate to the front and zeroes what was consumed.
void FrameDecoder::Compact() {
  const size_t keep = len_ - pos_;
  std::memmove(buf_, buf_ + pos_, keep);
  Zero(buf_ + keep, len_ - keep);
  len_ = keep;
  pos_ = 0;
}

void FrameDecoder::Reset() {
  Zero(buf_, len_);
  len_ = 0;
  pos_ = 0;
  have_expected_ = false;
  ++resets_;
}

void FrameDecoder::Process(FrameSink& sink) {
  while (pos_ < len_) {
    const uint8_t first = buf_[pos_];
    Result r = Result::kRejected;
    if (first == kSync0) {
      r = TryFrame(sink);
    } else if (first == kLineStart) {
      r = TryLine(sink);
    }
    if (r == Result::kNeedMore) return;
    if (r == Result::kRejected) {
      ++stats_.skipped_bytes;  // drop one byte and search again from the next
      ++pos_;
    }
  }
}

FrameDecoder::Result FrameDecoder::TryFrame(FrameSink& sink) {
  const uint8_t* p = buf_ + pos_;
  const size_t avail = len_ - pos_;
  if (avail >= 2 && p[1] != kSync1) return Result::kRejected;
  if (avail >= 3 && p[2] != kTypeData) return Result::kRejected;
  if (avail >= kHeaderSize && (p[5] == 0 || p[5] > kMaxPayload)) return Result::kRejected;
  if (avail < kHeaderSize) return Result::kNeedMore;
  const size_t len = p[5];
  const size_t total = kHeaderSize + len + kCrcSize;
  if (avail < total) return Result::kNeedMore;
  if (Crc32(p + 2, kHeaderSize - 2 + len) != ReadBe32(p + kHeaderSize + len)) {
    ++stats_.crc_errors;
    return Result::kRejected;
  }
  const uint16_t seq = static_cast<uint16_t>((p[3] << 8) | p[4]);
  uint32_t lost_before = 0;
  CountSequence(seq, &lost_before);
  ++stats_.frames;
  stats_.payload_bytes += len;
  pos_ += total;  // before the callback: the sink may not re-enter, but be safe
  sink.OnData(seq, lost_before, p + kHeaderSize, len);
  return Result::kAccepted;
}

FrameDecoder::Result FrameDecoder::TryLine(FrameSink& sink) {
  const uint8_t* p = buf_ + pos_;
  const size_t avail = len_ - pos_;
  size_t i = 1;
  while (i < avail && IsLineTextChar(p[i])) ++i;
  const size_t text_len = i - 1;
  if (text_len > kMaxLineText) return Result::kRejected;
  if (i == avail) return Result::kNeedMore;
  if (p[i] != kLineCrcMark) {
    ++stats_.bad_lines;
    return Result::kRejected;
  }
  // '*', 8 hex digits, optional '\r', '\n'
  uint32_t crc = 0;
  for (size_t k = 1; k <= 8; ++k) {
    if (i + k >= avail) return Result::kNeedMore;
    const int v = HexValue(p[i + k]);
    if (v < 0) {
      ++stats_.bad_lines;
      return Result::kRejected;
    }
    crc = (crc << 4) | static_cast<uint32_t>(v);
  }
  size_t end = i + 9;
  if (end < avail && p[end] == '\r') ++end;
  if (end >= avail) return Result::kNeedMore;
  if (p[end] != '\n' || Crc32(p + 1, text_len) != crc) {
    ++stats_.bad_lines;
    return Result::kRejected;
  }
  ++stats_.lines;
  pos_ += end + 1;
  sink.OnLine(std::string_view(reinterpret_cast<const char*>(p + 1), text_len));
  return Result::kAccepted;
}

// A backward jump (or a new start at 0) means the device restarted its
// numbering after `on`; it is not a loss.
void FrameDecoder::CountSequence(uint16_t seq, uint32_t* lost_before) {
  if (have_expected_ && seq != expected_seq_) {
    const uint16_t gap = static_cast<uint16_t>(seq - expected_seq_);
    if (seq == 0 || gap >= 0x8000) {
      ++stats_.seq_restarts;
    } else {
      ++stats_.seq_gaps;
      stats_.lost_frames += gap;
      *lost_before = gap;
    }
  }
  have_expected_ = true;
  expected_seq_ = static_cast<uint16_t>(seq + 1);
}

}  // namespace trng
