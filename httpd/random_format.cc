#include "httpd/random_format.h"

#include <cassert>

namespace httpd {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Reads bits most significant first from a byte span.
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  // The next n (1..4) bits as a number.
  unsigned Take(unsigned n) {
    unsigned v = 0;
    for (unsigned i = 0; i < n; ++i, ++pos_) {
      assert(pos_ / 8 < bytes_.size());
      v = (v << 1) | ((bytes_[pos_ / 8] >> (7 - pos_ % 8)) & 1u);
    }
    return v;
  }

 private:
  std::span<const uint8_t> bytes_;
  uint64_t pos_ = 0;
};

}  // namespace

uint64_t BytesForBits(uint64_t bits) { return bits / 8 + (bits % 8 != 0); }

egd::SecureChars NumbersJson(std::span<const uint8_t> bytes, uint64_t num_bits, uint64_t quantity) {
  assert(bytes.size() >= BytesForBits(num_bits * quantity));
  BitReader reader(bytes);
  uint64_t digits = (num_bits + 3) / 4;
  unsigned first_bits = static_cast<unsigned>(num_bits - 4 * (digits - 1));  // 1..4
  egd::SecureChars out;
  out.reserve(2 + quantity * (digits + 3));  // [ "x", ... ] : never reallocated
  out.push_back('[');
  for (uint64_t i = 0; i < quantity; ++i) {
    if (i) out.push_back(',');
    out.push_back('"');
    out.push_back(kHex[reader.Take(first_bits)]);
    for (uint64_t d = 1; d < digits; ++d) out.push_back(kHex[reader.Take(4)]);
    out.push_back('"');
  }
  out.push_back(']');
  return out;
}

egd::SecureChars TestdataContent(std::span<const uint8_t> bytes, uint64_t num_bits, FileType type) {
  uint64_t n = BytesForBits(num_bits);
  assert(bytes.size() >= n);
  egd::SecureChars out;
  if (type == FileType::kBin) {
    out.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    if (num_bits % 8) out.back() = static_cast<char>(bytes[n - 1] & (0xff00u >> (num_bits % 8)));
    return out;
  }
  out.reserve(num_bits + 1);
  for (uint64_t i = 0; i < num_bits; ++i) out.push_back(((bytes[i / 8] >> (7 - i % 8)) & 1) ? '1' : '0');
  out.push_back('\n');
  return out;
}

}  // namespace httpd
