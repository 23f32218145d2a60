#include "firmware/core/frame.h"

namespace trng {
namespace {

// Nibble-wise table: 64 bytes of flash instead of 1 KiB, fast enough for a
// serial line on the device and for the host.
constexpr uint32_t kCrcNibble[16] = {
    0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4,
    0x4DB26158, 0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
    0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C};

constexpr char kHex[] = "0123456789ABCDEF";

}  // namespace

uint32_t Crc32(const uint8_t* data, size_t n, uint32_t crc) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    crc = (crc >> 4) ^ kCrcNibble[crc & 0x0F];
    crc = (crc >> 4) ^ kCrcNibble[crc & 0x0F];
  }
  return ~crc;
}

size_t EncodeDataFrame(uint16_t seq, const uint8_t* payload, size_t n, uint8_t* out) {
  out[0] = kSync0;
  out[1] = kSync1;
  out[2] = kTypeData;
  out[3] = static_cast<uint8_t>(seq >> 8);
  out[4] = static_cast<uint8_t>(seq & 0xFF);
  out[5] = static_cast<uint8_t>(n);
  for (size_t i = 0; i < n; ++i) out[kHeaderSize + i] = payload[i];
  const uint32_t crc = Crc32(out + 2, kHeaderSize - 2 + n);
  uint8_t* c = out + kHeaderSize + n;
  for (int i = 0; i < 4; ++i) c[i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  return kHeaderSize + n + kCrcSize;
}

size_t EncodeLine(const char* text, size_t n, uint8_t* out) {
  if (n > kMaxLineText) n = kMaxLineText;
  size_t pos = 0;
  out[pos++] = kLineStart;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = static_cast<uint8_t>(text[i]);
    out[pos++] = IsLineTextChar(c) ? c : '?';
  }
  const uint32_t crc = Crc32(out + 1, n);
  out[pos++] = kLineCrcMark;
  for (int i = 7; i >= 0; --i) out[pos++] = kHex[(crc >> (4 * i)) & 0x0F];
  out[pos++] = '\r';
  out[pos++] = '\n';
  return pos;
}

}  // namespace trng
