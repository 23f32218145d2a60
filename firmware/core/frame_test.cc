#include "firmware/core/frame.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

namespace trng {
namespace {

TEST_CASE("Crc32 matches the CRC-32/ISO-HDLC check value", "[frame]") {
  const char* check = "123456789";
  REQUIRE(Crc32(reinterpret_cast<const uint8_t*>(check), 9) == 0xCBF43926u);
  REQUIRE(Crc32(nullptr, 0) == 0u);
  // chaining equals one pass
  const uint32_t first = Crc32(reinterpret_cast<const uint8_t*>(check), 4);
  REQUIRE(Crc32(reinterpret_cast<const uint8_t*>(check) + 4, 5, first) == 0xCBF43926u);
}

TEST_CASE("EncodeDataFrame lays out sync, type, seq, len, payload, CRC", "[frame]") {
  const uint8_t payload[3] = {0x01, 0xEB, 0x90};
  uint8_t out[kMaxFrameSize];
  const size_t n = EncodeDataFrame(0x1234, payload, 3, out);
  REQUIRE(n == 13);
  const std::vector<uint8_t> head(out, out + 9);
  REQUIRE(head == std::vector<uint8_t>{0xEB, 0x90, 'D', 0x12, 0x34, 3, 0x01, 0xEB, 0x90});
  const uint32_t crc = Crc32(out + 2, 7);
  REQUIRE(out[9] == (crc >> 24));
  REQUIRE(out[12] == (crc & 0xFF));
}

TEST_CASE("EncodeLine frames text with a hex CRC and CRLF", "[frame]") {
  uint8_t out[kMaxLineSize];
  const size_t n = EncodeLine("ok on", 5, out);
  const std::string line(reinterpret_cast<char*>(out), n);
  REQUIRE(line.substr(0, 7) == "!ok on*");
  REQUIRE(line.size() == 1 + 5 + 1 + 8 + 2);
  REQUIRE(line.substr(line.size() - 2) == "\r\n");
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08X", Crc32(reinterpret_cast<const uint8_t*>("ok on"), 5));
  REQUIRE(line.substr(7, 8) == hex);
}

TEST_CASE("EncodeLine replaces forbidden characters and truncates", "[frame]") {
  uint8_t out[kMaxLineSize];
  size_t n = EncodeLine("a!b*c\n", 6, out);
  REQUIRE(std::string(reinterpret_cast<char*>(out), 7) == "!a?b?c?");
  REQUIRE(n == 1 + 6 + 11);
  const std::string longtext(500, 'x');
  n = EncodeLine(longtext.data(), longtext.size(), out);
  REQUIRE(n == kMaxLineSize);
}

}  // namespace
}  // namespace trng
