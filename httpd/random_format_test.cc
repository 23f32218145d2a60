#include "httpd/random_format.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace httpd {
namespace {

using Bytes = std::vector<uint8_t>;

std::string Text(const egd::SecureChars& c) { return std::string(c.begin(), c.end()); }

std::string Numbers(const Bytes& b, uint64_t bits, uint64_t quantity) {
  return Text(NumbersJson(b, bits, quantity));
}

TEST_CASE("byte counts round up") {
  CHECK(BytesForBits(1) == 1);
  CHECK(BytesForBits(8) == 1);
  CHECK(BytesForBits(9) == 2);
  CHECK(BytesForBits(400) == 50);
}

TEST_CASE("24-bit numbers are six hex digits, as in the manual's example") {
  Bytes b = {0xf8, 0x77, 0xd2, 0x00, 0x01, 0x5c};
  CHECK(Numbers(b, 24, 2) == R"(["f877d2","00015c"])");
}

TEST_CASE("numbers take consecutive bits; the first digit is padded") {
  Bytes b = {0xff, 0xff};
  // 3 numbers of 5 bits: 11111 11111 11111 (the 16th bit is unused).
  CHECK(Numbers(b, 5, 3) == R"(["1f","1f","1f"])");
  Bytes c = {0b10110011, 0b01000000};
  // 10110 01101 -> 0x16, 0x0d
  CHECK(Numbers(c, 5, 2) == R"(["16","0d"])");
  CHECK(Numbers(Bytes{0x80}, 1, 1) == R"(["1"])");
  CHECK(Numbers(Bytes{0x12, 0x34, 0x56, 0x78}, 32, 1) == R"(["12345678"])");
}

TEST_CASE("every value is reachable and none exceeds 2^numBits") {
  for (unsigned v = 0; v < 256; ++v) {
    Bytes b = {static_cast<uint8_t>(v)};
    std::string nibbles = Numbers(b, 4, 2);  // ["x","y"]
    CHECK(std::stoul(nibbles.substr(2, 1) + nibbles.substr(6, 1), nullptr, 16) == v);
    std::string three = Numbers(b, 3, 2);  // the top 6 bits
    CHECK(std::stoul(three.substr(2, 1), nullptr, 16) == v >> 5);
    CHECK(std::stoul(three.substr(6, 1), nullptr, 16) == ((v >> 2) & 7));
  }
}

TEST_CASE("getRandom's JSON body is allocated once at its exact size") {
  Bytes b(1000, 0xab);
  egd::SecureChars json = NumbersJson(b, 64, 100);
  CHECK(json.size() == 2 + 100 * (16 + 2) + 99);
  CHECK(json.capacity() <= 2 + 100 * (16 + 3));
  CHECK(Numbers(b, 8, 0) == "[]");
}

TEST_CASE("test data files: bin keeps numBits bits, txt writes them as 0/1") {
  Bytes b = {0xab, 0xff};
  CHECK(Text(TestdataContent(b, 16, FileType::kBin)) == std::string("\xab\xff", 2));
  CHECK(Text(TestdataContent(b, 12, FileType::kBin)) == std::string("\xab\xf0", 2));
  CHECK(Text(TestdataContent(b, 8, FileType::kBin)) == std::string("\xab", 1));
  CHECK(Text(TestdataContent(b, 12, FileType::kTxt)) == "101010111111\n");
  CHECK(TestdataContent(Bytes(50, 0x55), 400, FileType::kBin).size() == 50);
}

}  // namespace
}  // namespace httpd
