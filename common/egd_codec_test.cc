#include "common/egd_codec.h"

#include <catch2/catch.hpp>

namespace egd {
namespace {

// Feeds `bytes` in pieces of `step` and collects every request parsed.
std::vector<Request> ParseAll(const std::vector<uint8_t>& bytes, size_t step, bool* bad) {
  RequestParser parser;
  std::vector<Request> out;
  *bad = false;
  for (size_t pos = 0; pos < bytes.size() && !*bad; pos += step) {
    std::span<const uint8_t> piece(bytes.data() + pos, std::min(step, bytes.size() - pos));
    while (!piece.empty()) {
      size_t used = 0;
      Request r;
      auto result = parser.Parse(piece, &used, &r);
      REQUIRE(used <= piece.size());
      piece = piece.subspan(used);
      if (result == RequestParser::Result::kGood) out.push_back(r);
      if (result == RequestParser::Result::kBad) {
        *bad = true;
        break;
      }
      if (result == RequestParser::Result::kNeedMore) REQUIRE(piece.empty());
    }
  }
  return out;
}

TEST_CASE("every command parses, whole or byte by byte") {
  std::vector<uint8_t> wire = {0x00, 0x01, 0x00, 0x01, 0xff, 0x02, 0x00, 0x02, 0xff,
                               0x03, 0x01, 0x02, 0x03, 0xaa, 0xbb, 0xcc, 0x04, 0x03, 0, 0, 0};
  for (size_t step : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, wire.size()}) {
    bool bad = false;
    auto reqs = ParseAll(wire, step, &bad);
    REQUIRE_FALSE(bad);
    REQUIRE(reqs.size() == 8);
    CHECK(reqs[0].command == Command::kEntropyCount);
    CHECK((reqs[1].command == Command::kReadNonBlocking && reqs[1].count == 0));
    CHECK((reqs[2].command == Command::kReadNonBlocking && reqs[2].count == 255));
    CHECK((reqs[3].command == Command::kReadBlocking && reqs[3].count == 0));
    CHECK((reqs[4].command == Command::kReadBlocking && reqs[4].count == 255));
    CHECK((reqs[5].command == Command::kWrite && reqs[5].count == 3));
    CHECK(reqs[5].claimed_bits == 0x0102);
    CHECK(reqs[6].command == Command::kPid);
    CHECK((reqs[7].command == Command::kWrite && reqs[7].count == 0));
  }
}

TEST_CASE("unknown command is rejected at its byte") {
  for (uint8_t cmd : {uint8_t{0x05}, uint8_t{0x80}, uint8_t{0xff}}) {
    RequestParser parser;
    std::vector<uint8_t> wire = {0x00, cmd, 0x00};
    size_t used = 0;
    Request r;
    REQUIRE(parser.Parse(wire, &used, &r) == RequestParser::Result::kGood);
    REQUIRE(used == 1);
    auto rest = std::span<const uint8_t>(wire).subspan(1);
    REQUIRE(parser.Parse(rest, &used, &r) == RequestParser::Result::kBad);
    CHECK(used == 1);
  }
}

TEST_CASE("mid_request tracks partial commands") {
  RequestParser parser;
  size_t used = 0;
  Request r;
  std::vector<uint8_t> a = {0x03, 0x00};
  CHECK(parser.Parse(a, &used, &r) == RequestParser::Result::kNeedMore);
  CHECK(parser.mid_request());
  std::vector<uint8_t> b = {0x10, 0x02, 0x01};
  CHECK(parser.Parse(b, &used, &r) == RequestParser::Result::kNeedMore);
  CHECK(parser.mid_request());
  std::vector<uint8_t> c = {0x01, 0x02, 0x02};
  CHECK(parser.Parse(c, &used, &r) == RequestParser::Result::kGood);
  CHECK(used == 1);  // the last payload byte completes the 03
  CHECK(r.count == 2);
  CHECK_FALSE(parser.mid_request());
}

TEST_CASE("encoders produce the wire format") {
  std::vector<uint8_t> out;
  EncodeEntropyCount(0x01020304, &out);
  CHECK(out == std::vector<uint8_t>{1, 2, 3, 4});
  out.clear();
  EncodePid(4242, &out);
  CHECK(out == std::vector<uint8_t>{4, '4', '2', '4', '2'});
  out.clear();
  EncodeRequest({Command::kWrite, 2, 16}, &out);
  CHECK(out == std::vector<uint8_t>{3, 0, 16, 2, 0, 0});
}

}  // namespace
}  // namespace egd
