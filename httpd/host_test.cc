// SPDX-License-Identifier: Apache-2.0
#include "httpd/host.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

TEST_CASE("hosts parse into a lowercase name and an optional port") {
  auto h = ParseHost("LocalHost:8000");
  REQUIRE(h);
  CHECK(h->name == "localhost");
  CHECK(h->port == 8000);
  CHECK(ParseHost("127.0.0.1")->name == "127.0.0.1");
  CHECK_FALSE(ParseHost("127.0.0.1")->port);
  CHECK(ParseHost("[0:0::1]:80")->name == "[::1]");
  CHECK_FALSE(ParseHost("[::FFFF:127.0.0.1]"));  // brackets hold IPv6 only
  CHECK(ParseHost("trng.example:")->name == "trng.example");  // an empty port is allowed
  for (const char* bad : {"", ":80", "a b", "x:y", "x:99999", "[::1", "[nothost]", "[1.2.3.4]",
                          "a:1:2", "evil.example@good", "x\r\n"}) {
    INFO(bad);
    CHECK_FALSE(ParseHost(bad));
  }
}

}  // namespace
}  // namespace httpd
