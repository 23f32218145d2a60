#include "httpd/byte_sample.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> v) { return {v.begin(), v.end()}; }

TEST_CASE("counts: histogram, one bits, their fraction") {
  ByteCounts c;
  CHECK(c.OnesFraction() == 0);
  CHECK(c.ChiSquare() == 0);
  std::vector<uint8_t> data = Bytes({0x00, 0xff, 0x0f, 0x0f});
  c.Add(data);
  CHECK(c.bytes == 4);
  CHECK(c.ones == 16);
  CHECK(c.OnesFraction() == Approx(0.5));
  CHECK(c.histogram[0x0f] == 2);
  CHECK(c.histogram[0x00] == 1);
  CHECK(c.histogram[0xff] == 1);
  nlohmann::json j = c.Json();
  CHECK(j["bytes"] == 4);
  CHECK(j["histogram"].size() == 256);
  CHECK(j["histogram"][15] == 2);
}

TEST_CASE("chi-square against the uniform distribution") {
  ByteCounts uniform;
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  for (int k = 0; k < 4; ++k) uniform.Add(all);
  CHECK(uniform.ChiSquare() == Approx(0));
  ByteCounts stuck;
  std::vector<uint8_t> zeros(256, 0);
  stuck.Add(zeros);
  // One value 256 times where 1 was expected: (255^2 + 255 * 1) / 1.
  CHECK(stuck.ChiSquare() == Approx(255.0 * 255 + 255));
  CHECK(stuck.OnesFraction() == 0);
}

TEST_CASE("the 01 requests for a sample: at most 255 bytes each") {
  CHECK(NonBlockingRequests(0).empty());
  CHECK(NonBlockingRequests(10) == Bytes({0x01, 10}));
  CHECK(NonBlockingRequests(255) == Bytes({0x01, 255}));
  CHECK(NonBlockingRequests(256) == Bytes({0x01, 255, 0x01, 1}));
  CHECK(NonBlockingRequestCount(4096) == 17);
  CHECK(NonBlockingRequests(4096).size() == 34);
}

TEST_CASE("the replies: length bytes stay in the parser, payload goes to the sink") {
  NonBlockingReplies r(3);
  std::vector<uint8_t> got;
  auto sink = [&got](std::span<const uint8_t> p) { got.insert(got.end(), p.begin(), p.end()); };
  std::vector<uint8_t> wire = Bytes({2, 0xaa, 0xbb, 0, 1, 0xcc});
  // In pieces of one byte: the parser keeps its place.
  for (size_t i = 0; i < wire.size(); ++i) {
    CHECK_FALSE(r.done());
    CHECK(r.Feed(std::span(wire).subspan(i, 1), sink) == 1);
  }
  CHECK(r.done());
  CHECK(got == Bytes({0xaa, 0xbb, 0xcc}));
  // Bytes beyond the last reply are not used.
  NonBlockingReplies one(1);
  std::vector<uint8_t> more = Bytes({1, 0x11, 0x22});
  got.clear();
  CHECK(one.Feed(more, sink) == 2);
  CHECK(one.done());
  CHECK(got == Bytes({0x11}));
}

TEST_CASE("empty replies (nothing available) complete too") {
  NonBlockingReplies r(2);
  std::vector<uint8_t> wire = Bytes({0, 0});
  CHECK(r.Feed(wire, [](std::span<const uint8_t>) { FAIL("no payload"); }) == 2);
  CHECK(r.done());
}

}  // namespace
}  // namespace httpd
