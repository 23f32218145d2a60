// Bit access over a byte buffer, most significant bit of each byte first
// (bit 0 is 0x80 of byte 0). This is the order every egdstat test reads.
//
// BitView does not own the bytes: the buffer must outlive it. BitCursor reads
// a view front to back for tests that consume data as they go (AIS 31
// procedure B). Header-only; no I/O.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace egdstat {

class BitView {
 public:
  BitView() = default;
  explicit BitView(std::span<const uint8_t> bytes) : bytes_(bytes), size_(bytes.size() * 8) {}

  size_t size() const { return size_; }

  bool operator[](size_t i) const {
    assert(i < size_);
    const size_t p = first_ + i;
    return (bytes_[p >> 3] >> (7 - (p & 7))) & 1;
  }

  // `k` <= 57 bits starting at bit i, the first of them most significant.
  uint64_t Bits(size_t i, unsigned k) const {
    assert(k <= 57 && i + k <= size_);
    if (k == 0) return 0;
    const size_t p = first_ + i;
    const size_t byte = p >> 3;
    uint64_t acc = 0;
    const size_t need = ((p & 7) + k + 7) / 8;  // bytes touched, <= 8
    for (size_t b = 0; b < need; ++b) acc = (acc << 8) | bytes_[byte + b];
    const unsigned tail = static_cast<unsigned>(need * 8 - (p & 7) - k);
    return (acc >> tail) & ((uint64_t{1} << k) - 1);
  }

  BitView Sub(size_t first, size_t count) const {
    assert(first + count <= size_);
    BitView v = *this;
    v.first_ = first_ + first;
    v.size_ = count;
    return v;
  }

  // The bits [first, first + count) packed into 64-bit words, MSB first, with
  // one extra zero word so that a 64-bit load at any bit index < count is safe.
  std::vector<uint64_t> Pack(size_t first, size_t count) const {
    std::vector<uint64_t> words(count / 64 + 2, 0);
    for (size_t w = 0; w * 64 < count; ++w) {
      const size_t n = count - w * 64 < 64 ? count - w * 64 : 64;
      const size_t hi = n < 32 ? n : 32;
      uint64_t v = Bits(first + w * 64, static_cast<unsigned>(hi)) << (64 - hi);
      if (n > 32) v |= Bits(first + w * 64 + 32, static_cast<unsigned>(n - 32)) << (32 - (n - 32));
      words[w] = v;
    }
    return words;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t first_ = 0;
  size_t size_ = 0;
};

// 64 bits starting at bit `p` of words packed by BitView::Pack.
inline uint64_t Load64(const std::vector<uint64_t>& words, size_t p) {
  const size_t w = p >> 6;
  const unsigned s = p & 63;
  if (s == 0) return words[w];
  return (words[w] << s) | (words[w + 1] >> (64 - s));
}

class BitCursor {
 public:
  explicit BitCursor(BitView view, size_t pos = 0) : view_(view), pos_(pos) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return view_.size() - pos_; }
  const BitView& view() const { return view_; }

  // Takes the next k <= 57 bits; false (nothing taken) when fewer remain.
  bool Take(unsigned k, uint64_t* out) {
    if (remaining() < k) return false;
    *out = view_.Bits(pos_, k);
    pos_ += k;
    return true;
  }

  // The next n bits as a view, consumed; requires remaining() >= n.
  BitView TakeView(size_t n) {
    assert(remaining() >= n);
    BitView v = view_.Sub(pos_, n);
    pos_ += n;
    return v;
  }

 private:
  BitView view_;
  size_t pos_ = 0;
};

}  // namespace egdstat
