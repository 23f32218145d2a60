// SPDX-License-Identifier: Apache-2.0
#include "common/client_address.h"

#include <catch2/catch.hpp>

namespace egd {
namespace {

TEST_CASE("one spelling per address") {
  for (const char* s : {"2001:db8::7", "2001:DB8::7", "2001:db8:0::7", "2001:db8:0:0:0:0:0:7",
                        "2001:0db8::0007", "2001:db8::0:7"}) {
    CHECK(CanonicalAddress(s) == "2001:db8::7");
  }
  CHECK(CanonicalAddress("::ffff:192.0.2.7") == "192.0.2.7");
  CHECK(CanonicalAddress("::FFFF:c000:0207") == "192.0.2.7");
  CHECK(CanonicalAddress("192.0.2.7") == "192.0.2.7");
  CHECK_FALSE(CanonicalAddress("unix"));
  CHECK_FALSE(CanonicalAddress(""));
  CHECK_FALSE(CanonicalAddress("192.0.2.07"));
  CHECK_FALSE(CanonicalAddress(std::string_view("1.2.3.4\0", 8)));
  CHECK_FALSE(CanonicalAddress("2001:db8::7%eth0"));
}

TEST_CASE("IPv6 clients share a key per /64 by default; IPv4 per address") {
  ClientKeyPolicy p;
  CHECK(ClientKey("2001:db8:1:2:aaaa::1", p) == "2001:db8:1:2::/64");
  CHECK(ClientKey("2001:DB8:1:2:ffff:ffff:ffff:ffff", p) == "2001:db8:1:2::/64");
  CHECK(ClientKey("2001:db8:1:3::1", p) == "2001:db8:1:3::/64");
  CHECK(ClientKey("::ffff:192.0.2.7", p) == "192.0.2.7");
  CHECK(ClientKey("192.0.2.7", p) == "192.0.2.7");
  CHECK(ClientKey("uid:1000", p) == "uid:1000");
  p.ipv4_prefix = 24;
  p.ipv6_prefix = 128;
  CHECK(ClientKey("192.0.2.7", p) == "192.0.2.0/24");
  CHECK(ClientKey("2001:db8:1:2:aaaa::1", p) == "2001:db8:1:2:aaaa::1");
  p.ipv6_prefix = 56;
  CHECK(ClientKey("2001:db8:1:2ff::1", p) == "2001:db8:1:200::/56");
}

TEST_CASE("trusted peer prefixes") {
  IpPrefix p;
  REQUIRE(ParseIpPrefix("10.0.0.0/8", &p).ok());
  CHECK(p.Contains("10.1.2.3"));
  CHECK(p.Contains("::ffff:10.1.2.3"));
  CHECK_FALSE(p.Contains("11.0.0.1"));
  CHECK_FALSE(p.Contains("unix"));
  REQUIRE(ParseIpPrefix("192.0.2.7", &p).ok());
  CHECK(p.length == 32);
  CHECK(p.Contains("192.0.2.7"));
  CHECK_FALSE(p.Contains("192.0.2.8"));
  REQUIRE(ParseIpPrefix("2001:db8::/32", &p).ok());
  CHECK(p.Contains("2001:db8:ffff::1"));
  CHECK_FALSE(p.Contains("10.0.0.1"));
  CHECK(ParseIpPrefix("10.0.0.1/8", &p).message() == "'10.0.0.1/8': host bits set after the prefix");
  CHECK(ParseIpPrefix("10.0.0.0/33", &p).message() == "'10.0.0.0/33': prefix length must be 0..32");
  CHECK_FALSE(ParseIpPrefix("10.0.0.0/", &p).ok());
  CHECK_FALSE(ParseIpPrefix("example.org", &p).ok());
}

TEST_CASE("loopback") {
  CHECK(IsLoopbackAddress("127.0.0.1"));
  CHECK(IsLoopbackAddress("127.3.2.1"));
  CHECK(IsLoopbackAddress("::1"));
  CHECK(IsLoopbackAddress("::ffff:127.0.0.1"));
  CHECK_FALSE(IsLoopbackAddress("10.0.0.1"));
  CHECK_FALSE(IsLoopbackAddress("unix"));
}

TEST_CASE("trusted prefixes that cover loopback") {
  for (const char* text : {"127.0.0.1", "127.5.0.0/16", "0.0.0.0/0", "::1", "::/0"}) {
    IpPrefix p;
    REQUIRE(ParseIpPrefix(text, &p).ok());
    CHECK(p.CoversLoopback());
  }
  for (const char* text : {"10.0.0.0/8", "192.0.2.1", "2001:db8::/32"}) {
    IpPrefix p;
    REQUIRE(ParseIpPrefix(text, &p).ok());
    CHECK_FALSE(p.CoversLoopback());
  }
}

}  // namespace
}  // namespace egd
