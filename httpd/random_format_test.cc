#include "httpd/random_format.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

using Bytes = std::vector<uint8_t>;

TEST_CASE("byte counts round up") {
  CHECK(BytesForBits(1) == 1);
  CHECK(BytesForBits(8) == 1);
  CHECK(BytesForBits(9) == 2);
  CHECK(BytesForBits(400) == 50);
}

TEST_CASE("24-bit numbers are six hex digits, as in the manual's example") {
  Bytes b = {0xf8, 0x77, 0xd2, 0x00, 0x01, 0x5c};
  CHECK(FormatNumbers(b, 24, 2) == std::vector<std::string>{"f877d2", "00015c"});
}

TEST_CASE("numbers take consecutive bits; the first digit is padded") {
  Bytes b = {0xff, 0xff};
  // 3 numbers of 5 bits: 11111 11111 11111 (the 16th bit is unused).
  CHECK(FormatNumbers(b, 5, 3) == std::vector<std::string>{"1f", "1f", "1f"});
  Bytes c = {0b10110011, 0b01000000};
  // 10110 01101 -> 0x16, 0x0d
  CHECK(FormatNumbers(c, 5, 2) == std::vector<std::string>{"16", "0d"});
  CHECK(FormatNumbers(Bytes{0x80}, 1, 1) == std::vector<std::string>{"1"});
  CHECK(FormatNumbers(Bytes{0x12, 0x34, 0x56, 0x78}, 32, 1) == std::vector<std::string>{"12345678"});
}

TEST_CASE("every value is reachable and none exceeds 2^numBits") {
  // All 256 byte values as 8 numbers of 1 bit... and as 2 numbers of 4 bits.
  for (unsigned v = 0; v < 256; ++v) {
    Bytes b = {static_cast<uint8_t>(v)};
    auto nibbles = FormatNumbers(b, 4, 2);
    CHECK(std::stoul(nibbles[0] + nibbles[1], nullptr, 16) == v);
    auto three = FormatNumbers(b, 3, 2);  // the top 6 bits
    CHECK(std::stoul(three[0], nullptr, 16) == v >> 5);
    CHECK(std::stoul(three[1], nullptr, 16) == ((v >> 2) & 7));
  }
}

TEST_CASE("getRandom's JSON body") {
  CHECK(NumbersJson({"08c1f27b", "12d45f38"}) == "[\"08c1f27b\",\"12d45f38\"]");
  CHECK(NumbersJson({}) == "[]");
}

TEST_CASE("test data files: bin keeps numBits bits, txt writes them as 0/1") {
  Bytes b = {0xab, 0xff};
  CHECK(TestdataContent(b, 16, FileType::kBin) == std::string("\xab\xff", 2));
  CHECK(TestdataContent(b, 12, FileType::kBin) == std::string("\xab\xf0", 2));
  CHECK(TestdataContent(b, 8, FileType::kBin) == std::string("\xab", 1));
  CHECK(TestdataContent(b, 12, FileType::kTxt) == "101010111111\n");
  CHECK(TestdataContent(Bytes(50, 0x55), 400, FileType::kBin).size() == 50);
}

}  // namespace
}  // namespace httpd
