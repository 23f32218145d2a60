#include "common/proxy_protocol.h"

#include <catch2/catch.hpp>
#include <string>

namespace egd {
namespace {

using R = ProxyHeaderParser::Result;

R ParseAll(const std::string& text, size_t step, ProxyHeader* h, size_t* used_total) {
  ProxyHeaderParser p;
  *used_total = 0;
  for (size_t pos = 0; pos < text.size(); pos += step) {
    auto piece = std::span(reinterpret_cast<const uint8_t*>(text.data()) + pos,
                           std::min(step, text.size() - pos));
    size_t used = 0;
    R r = p.Parse(piece, &used, h);
    *used_total += used;
    if (r != R::kNeedMore) return r;
  }
  return R::kNeedMore;
}

TEST_CASE("TCP4 and TCP6 headers, whole or byte by byte, payload untouched") {
  for (size_t step : {size_t{1}, size_t{5}, size_t{200}}) {
    ProxyHeader h;
    size_t used = 0;
    std::string hdr = "PROXY TCP4 192.0.2.7 127.0.0.1 51234 7776\r\n";
    REQUIRE(ParseAll(hdr + "\x02\x20", step, &h, &used) == R::kGood);
    CHECK(used == hdr.size());
    CHECK(h.known);
    CHECK(h.source_address == "192.0.2.7");
    CHECK(h.source_port == 51234);
    std::string v6 = "PROXY TCP6 2001:db8::7 ::1 40000 7776\r\n";
    REQUIRE(ParseAll(v6, step, &h, &used) == R::kGood);
    CHECK(h.source_address == "2001:db8::7");
  }
}

TEST_CASE("UNKNOWN is accepted without an address") {
  ProxyHeader h;
  size_t used = 0;
  REQUIRE(ParseAll("PROXY UNKNOWN\r\n", 3, &h, &used) == R::kGood);
  CHECK_FALSE(h.known);
  REQUIRE(ParseAll("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", 3, &h, &used) == R::kGood);
}

TEST_CASE("malformed headers are rejected, early where possible") {
  ProxyHeader h;
  size_t used = 0;
  CHECK(ParseAll("\x02\x20", 1, &h, &used) == R::kBad);  // plain EGD, no header
  CHECK(used == 1);
  CHECK(ParseAll("PROXZ TCP4", 1, &h, &used) == R::kBad);
  CHECK(ParseAll("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", 40, &h, &used) == R::kNeedMore);
  CHECK(ParseAll("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", 40, &h, &used) == R::kBad);
  CHECK(ParseAll("PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n", 40, &h, &used) == R::kBad);
  CHECK(ParseAll("PROXY TCP4 ::1 5.6.7.8 1 2\r\n", 40, &h, &used) == R::kBad);
  CHECK(ParseAll("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", 40, &h, &used) == R::kBad);
  CHECK(ParseAll("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", 40, &h, &used) == R::kBad);
  CHECK(ParseAll("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", 40, &h, &used) == R::kBad);
  CHECK(ParseAll("PROXY " + std::string(120, 'x'), 200, &h, &used) == R::kBad);
  CHECK(used == ProxyHeaderParser::kMaxHeader);
  // Found by fuzz/proxy_header_fuzz: inet_pton stopped at the NUL.
  const std::string nul("PROXY TCP4 192.0.2.7\0evil 127.0.0.1 5000 8888\r\n", 47);
  CHECK(ParseAll(nul, 60, &h, &used) == R::kBad);
}

}  // namespace
}  // namespace egd
