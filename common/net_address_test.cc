#include "common/net_address.h"

#include <catch2/catch.hpp>

using egd::NetAddress;
using egd::ParseNetAddress;

namespace {

std::string Error(const std::string& text, bool allow_unix = true) {
  NetAddress a;
  egd::Status st = ParseNetAddress(text, allow_unix, &a);
  return st.ok() ? "ok" : st.message();
}

}  // namespace

TEST_CASE("TCP addresses are numeric and come out canonical") {
  NetAddress a;
  REQUIRE(ParseNetAddress("127.0.0.1:8888", false, &a).ok());
  CHECK((!a.is_unix && a.host == "127.0.0.1" && a.port == 8888 && a.text == "127.0.0.1:8888"));
  REQUIRE(ParseNetAddress("[0:0::1]:1", false, &a).ok());
  CHECK((a.host == "::1" && a.port == 1 && a.text == "[0:0::1]:1"));
  CHECK(Error("localhost:80") ==
        "'localhost:80': the host must be a numeric IPv4 address or a bracketed IPv6 address "
        "(host names are not resolved)");
  CHECK(Error("::1:80") == "'::1:80': IPv6 addresses must be in brackets, like [::1]:8888");
  CHECK(Error("[::1]80") == "'[::1]80': expected [IPv6]:PORT");
  for (const char* bad : {"127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:", "127.0.0.1: 80"}) {
    CHECK(Error(bad) == "'" + std::string(bad) + "': the port must be a number in 1..65535");
  }
}

TEST_CASE("unix addresses only where allowed") {
  NetAddress a;
  REQUIRE(ParseNetAddress("unix:/run/egdd/egd.sock", true, &a).ok());
  CHECK((a.is_unix && a.path == "/run/egdd/egd.sock"));
  CHECK(Error("unix:/x", false) == "'unix:/x': expected HOST:PORT (no unix sockets here)");
  CHECK(Error("x", false) == "'x': expected HOST:PORT");
  CHECK(Error("x", true) == "'x': expected HOST:PORT or unix:/PATH");
  CHECK(Error("unix:rel") == "'unix:rel': 'rel' is not an absolute path");
  CHECK(Error("unix:/" + std::string(107, 'x')).ends_with("shorter than 108 bytes"));
  CHECK(Error("unix:/" + std::string(106, 'x')) == "ok");
}

TEST_CASE("a failed parse leaves the output alone") {
  NetAddress a;
  REQUIRE(ParseNetAddress("127.0.0.1:9", false, &a).ok());
  CHECK_FALSE(ParseNetAddress("127.0.0.1:0", false, &a).ok());
  CHECK((a.port == 9 && a.text == "127.0.0.1:9"));
}
