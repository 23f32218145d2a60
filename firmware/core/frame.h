// Wire format of the wind-tunnel TRNG (device -> host); see firmware/PROTOCOL.md.
//
// Two kinds of unit share the serial line and never interleave:
//   data frame:  EB 90 | 'D' | seq (2, big-endian) | len (1..64) | payload[len] |
//                CRC-32 (4, big-endian) over type, seq, len and payload
//   text line:   '!' text '*' CRC-32 as 8 uppercase hex digits over text "\r\n"
//                (text: printable ASCII 0x20..0x7E without '!' and '*')
// The CRC is CRC-32/ISO-HDLC (zlib's crc32). Frames start with a non-ASCII
// byte and lines contain only ASCII, so a decoder can tell them apart and
// re-search for either after garbage.
//
// Encoders write into caller-supplied buffers and never allocate, so the same
// code runs on the ESP8266 and on the host. Plain C++17.
#pragma once

#include <cstddef>
#include <cstdint>

namespace trng {

constexpr uint8_t kSync0 = 0xEB;
constexpr uint8_t kSync1 = 0x90;
constexpr uint8_t kTypeData = 'D';
constexpr size_t kHeaderSize = 6;       // sync (2), type, seq (2), len
constexpr size_t kCrcSize = 4;
constexpr size_t kMaxPayload = 64;      // decoders reject longer frames
constexpr size_t kDevicePayload = 32;   // what the firmware sends
constexpr size_t kMaxFrameSize = kHeaderSize + kMaxPayload + kCrcSize;
constexpr char kLineStart = '!';
constexpr char kLineCrcMark = '*';
constexpr size_t kMaxLineText = 200;    // text characters between '!' and '*'
constexpr size_t kMaxLineSize = 1 + kMaxLineText + 1 + 8 + 2;

// CRC-32/ISO-HDLC (poly 0x04C11DB7 reflected, init and xorout 0xFFFFFFFF).
// Chain calls by passing the previous result as `crc`.
uint32_t Crc32(const uint8_t* data, size_t n, uint32_t crc = 0);

// True for a byte allowed in line text.
inline bool IsLineTextChar(uint8_t c) {
  return c >= 0x20 && c <= 0x7E && c != kLineStart && c != kLineCrcMark;
}

// Writes a data frame into `out` (room for kHeaderSize + n + kCrcSize bytes).
// Requires 1 <= n <= kMaxPayload. Returns the frame's size.
size_t EncodeDataFrame(uint16_t seq, const uint8_t* payload, size_t n, uint8_t* out);

// Writes a text line into `out` (room for kMaxLineSize bytes). Characters not
// allowed in text are replaced by '?', and text is cut at kMaxLineText.
// Returns the line's size.
size_t EncodeLine(const char* text, size_t n, uint8_t* out);

}  // namespace trng
