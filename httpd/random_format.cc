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

std::vector<std::string> FormatNumbers(std::span<const uint8_t> bytes, uint64_t num_bits,
                                       uint64_t quantity) {
  assert(bytes.size() >= BytesForBits(num_bits * quantity));
  BitReader reader(bytes);
  std::vector<std::string> out;
  out.reserve(quantity);
  uint64_t digits = (num_bits + 3) / 4;
  unsigned first_bits = static_cast<unsigned>(num_bits - 4 * (digits - 1));  // 1..4
  for (uint64_t i = 0; i < quantity; ++i) {
    std::string number;
    number.reserve(digits);
    number += kHex[reader.Take(first_bits)];
    for (uint64_t d = 1; d < digits; ++d) number += kHex[reader.Take(4)];
    out.push_back(std::move(number));
  }
  return out;
}

std::string NumbersJson(const std::vector<std::string>& numbers) {
  std::string out = "[";
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (i) out += ",";
    out += "\"" + numbers[i] + "\"";
  }
  return out + "]";
}

std::string TestdataContent(std::span<const uint8_t> bytes, uint64_t num_bits, FileType type) {
  uint64_t n = BytesForBits(num_bits);
  assert(bytes.size() >= n);
  if (type == FileType::kBin) {
    std::string out(reinterpret_cast<const char*>(bytes.data()), n);
    if (num_bits % 8) out.back() = static_cast<char>(bytes[n - 1] & (0xff00u >> (num_bits % 8)));
    return out;
  }
  std::string out;
  out.reserve(num_bits + 1);
  for (uint64_t i = 0; i < num_bits; ++i) out += ((bytes[i / 8] >> (7 - i % 8)) & 1) ? '1' : '0';
  return out + "\n";
}

}  // namespace httpd
