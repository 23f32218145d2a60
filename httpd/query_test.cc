#include "httpd/query.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

TEST_CASE("targets split into a decoded path and parameters") {
  Target t;
  REQUIRE(ParseTarget("/trng/randomNum/getRandom?numBits=8&quantity=10", &t));
  CHECK(t.path == "/trng/randomNum/getRandom");
  CHECK(t.params == Params{{"numBits", "8"}, {"quantity", "10"}});
  REQUIRE(ParseTarget("/a%20b?x=1+2&y=%41&flag&&z=#frag", &t));
  CHECK(t.path == "/a b");
  CHECK(t.params == Params{{"x", "1 2"}, {"y", "A"}, {"flag", ""}, {"z", ""}});
  CHECK_FALSE(ParseTarget("x", &t));
  CHECK_FALSE(ParseTarget("/a%2", &t));
  CHECK_FALSE(ParseTarget("/a?b=%zz", &t));
  CHECK_FALSE(ParseTarget("/a%00", &t));
}

TEST_CASE("cookies are found by name") {
  CHECK(CookieValue("a=1; trng_file=abc ;b=2", "trng_file") == "abc");
  CHECK(CookieValue("a=1", "trng_file").empty());
  CHECK(CookieValue("", "a").empty());
}

TEST_CASE("integer parameters: default, range and junk") {
  Params p = {{"n", "42"}, {"zero", "0"}, {"neg", "-3"}, {"word", "abc"}, {"big", "99999999999999999999999"},
              {"empty", ""}, {"lead", "007"}, {"float", "1.5"}, {"plus", "+5"}, {"space", " 5"}};
  uint64_t v = 0;
  std::string e;
  CHECK(IntParam(p, "missing", 7, 1, 100, &v, &e));
  CHECK(v == 7);
  CHECK(IntParam(p, "n", 1, 1, 100, &v, &e));
  CHECK(v == 42);
  CHECK(IntParam(p, "lead", 1, 1, 100, &v, &e));
  CHECK(v == 7);
  for (const char* bad : {"zero", "neg", "word", "big", "empty", "float", "plus", "space"}) {
    INFO(bad);
    e.clear();
    CHECK_FALSE(IntParam(p, bad, 1, 1, 100, &v, &e));
    CHECK(e.find(bad) == 0);
    CHECK(e.find("from 1 to 100") != std::string::npos);
  }
  CHECK_FALSE(IntParam(p, "n", 1, 1, 41, &v, &e));
  CHECK(e == "n must be an integer from 1 to 41; got 42");
}

TEST_CASE("parameter names: only the accepted ones, each once") {
  std::string name, e;
  CHECK(CheckParamNames({}, "init", {}, &name, &e));
  CHECK(CheckParamNames({{"numBits", "8"}, {"quantity", "2"}}, "getRandom", {"numBits", "quantity"},
                        &name, &e));
  CHECK(CheckParamNames({{"quantity", "2"}}, "getRandom", {"numBits", "quantity"}, &name, &e));

  CHECK_FALSE(CheckParamNames({{"numbits", "8"}}, "getRandom", {"numBits", "quantity"}, &name, &e));
  CHECK(name == "numbits");
  CHECK(e == "unknown parameter 'numbits' (did you mean 'numBits'?); getRandom accepts numBits, "
             "quantity");
  CHECK_FALSE(CheckParamNames({{"numBits", "8"}, {"bits", "8"}}, "getRandom",
                              {"numBits", "quantity"}, &name, &e));
  CHECK(name == "bits");
  CHECK(e == "unknown parameter 'bits'; getRandom accepts numBits, quantity");
  CHECK_FALSE(CheckParamNames({{"numBits", "8"}, {"numBits", "16"}}, "getRandom",
                              {"numBits", "quantity"}, &name, &e));
  CHECK(name == "numBits");
  CHECK(e == "parameter 'numBits' given more than once; getRandom accepts numBits, quantity, each "
             "at most once");
  CHECK_FALSE(CheckParamNames({{"token", "a"}, {"token", "a"}}, "downloadFile", {"token"}, &name, &e));
  CHECK(e.find("given more than once") != std::string::npos);  // even with equal values

  CHECK_FALSE(CheckParamNames({{"flag", ""}}, "init", {}, &name, &e));
  CHECK(e == "unknown parameter 'flag'; init takes no parameters");
  CHECK_FALSE(CheckParamNames({{std::string("a\x01" "b") + std::string(40, 'x'), ""}}, "status", {},
                              &name, &e));
  CHECK(e.find("'a?bxxx") != std::string::npos);  // control bytes and length are tamed
  CHECK(e.find("...'") != std::string::npos);
}

}  // namespace
}  // namespace httpd
