// SPDX-License-Identifier: Apache-2.0
#include "httpd/access.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

Request Get(const std::string& target, std::optional<std::string> host = "127.0.0.1:8000") {
  Request r;
  r.method = "GET";
  r.target = target;
  r.host = std::move(host);
  r.client = "127.0.0.1";
  r.role = Role::kOperator;
  return r;
}

// The status CheckAccess answers (0: allowed), and the reason.
std::pair<unsigned, std::string> Judge(const Request& r,
                                       const std::vector<std::string>& allowed = {}) {
  Action a = Route(r, LimitsConfig{}, true);
  std::optional<Refusal> no = CheckAccess(r, a, allowed);
  if (!no) return {0, ""};
  return {no->response.status, no->reason};
}

TEST_CASE("Host: loopback names with any port, allowed_hosts case-insensitively, else 421") {
  for (const char* ok : {"localhost", "LOCALHOST:1", "127.0.0.1:8000", "[::1]:8000", "[::1]"}) {
    INFO(ok);
    CHECK(Judge(Get("/trng/randomNum/getRandom", ok)).first == 0);
  }
  CHECK(Judge(Get("/", "evil.example")) == std::pair<unsigned, std::string>{421, "host"});
  CHECK(Judge(Get("/healthz", "127.0.0.2")).first == 421);  // not a loopback *name*
  CHECK(Judge(Get("/metrics", "localhost.")).first == 421);
  CHECK(Judge(Get("/", "trng.example:8443"), {"trng.example"}).first == 0);
  CHECK(Judge(Get("/", "TRNG.Example"), {"trng.example"}).first == 0);
  CHECK(Judge(Get("/", "[2001:DB8::1]:443"), {"[2001:db8::1]"}).first == 0);
  CHECK(Judge(Get("/", "other.example"), {"trng.example"}).first == 421);
}

TEST_CASE("a missing Host is 400 on HTTP/1.1, accepted on HTTP/1.0; two Hosts are 400") {
  Request r = Get("/trng/randomNum/getRandom", std::nullopt);
  CHECK(Judge(r).first == 400);
  r.version = 10;
  CHECK(Judge(r).first == 0);
  r = Get("/");
  r.repeated_host = true;
  CHECK(Judge(r).first == 400);
}

TEST_CASE("cross-site requests may not change state or take entropy") {
  const char* guarded[] = {"/trng/randomNum/init", "/trng/randomNum/shutdown",
                           "/trng/randomNum/restart", "/trng/randomNum/getRandom",
                           "/trng/randomNum/generateTestdata", "/trng/randomNum/downloadFile",
                           "/pollen?challenge=ab", "/trng/randomNum/events"};
  for (const char* target : guarded) {
    INFO(target);
    Request r = Get(target);
    CHECK(Judge(r).first == 0);  // curl: neither header
    r.sec_fetch_site = "cross-site";
    CHECK(Judge(r) == std::pair<unsigned, std::string>{403, "cross_site"});
    r.sec_fetch_site = "same-site";
    CHECK(Judge(r).first == 403);
    r.sec_fetch_site = "same-origin";
    CHECK(Judge(r).first == 0);
    r.sec_fetch_site = "none";  // typed into the address bar
    CHECK(Judge(r).first == 0);
    r.sec_fetch_site.reset();
    r.origin = "https://evil.example";
    CHECK(Judge(r).first == 403);
    r.origin = "null";
    CHECK(Judge(r).first == 403);
    r.origin = "http://127.0.0.1:8001";
    CHECK(Judge(r).first == 403);
    r.origin = "http://127.0.0.1:8000";
    CHECK(Judge(r).first == 0);
  }
  // Reading the page, status, metrics: no entropy, no state change.
  for (const char* target : {"/", "/app.js", "/trng/randomNum/status", "/metrics", "/healthz",
                             "/javascript/chart.js/chart.min.js"}) {
    Request r = Get(target);
    r.sec_fetch_site = "cross-site";
    r.origin = "https://evil.example";
    CHECK(Judge(r).first == 0);
  }
}

TEST_CASE("Origin and Host compare with the scheme's default port") {
  Request r = Get("/trng/randomNum/getRandom", "trng.example");
  r.origin = "https://trng.example";
  CHECK(Judge(r, {"trng.example"}).first == 0);
  r.origin = "https://TRNG.example:443";
  CHECK(Judge(r, {"trng.example"}).first == 0);
  r.host = "trng.example:443";
  r.origin = "https://trng.example";
  CHECK(Judge(r, {"trng.example"}).first == 0);
  r.origin = "http://trng.example";  // port 80 is not 443
  CHECK(Judge(r, {"trng.example"}).first == 403);
  r.origin = "ftp://trng.example";
  CHECK(Judge(r, {"trng.example"}).first == 403);
  r.origin = "https://trng.example/path";
  CHECK(Judge(r, {"trng.example"}).first == 403);
}

TEST_CASE("the public role may not init, shut down or restart; the rest works") {
  for (const char* target : {"/trng/randomNum/init", "/trng/randomNum/shutdown",
                             "/trng/randomNum/restart"}) {
    Request r = Get(target);
    r.role = Role::kPublic;
    auto [status, reason] = Judge(r);
    CHECK(status == 403);
    CHECK(reason == "role");
    Action a = Route(r, LimitsConfig{}, true);
    std::string message(CheckAccess(r, a, {})->response.text());
    CHECK(message.find("operator listener (mutual TLS with an operator certificate)") !=
          std::string::npos);
    r.role = Role::kOperator;
    CHECK(Judge(r).first == 0);
  }
  for (const char* target : {"/trng/randomNum/getRandom", "/trng/randomNum/status", "/",
                             "/trng/randomNum/generateTestdata", "/pollen?challenge=x",
                             "/trng/randomNum/events"}) {
    Request r = Get(target);
    r.role = Role::kPublic;
    CHECK(Judge(r).first == 0);
  }
}

}  // namespace
}  // namespace httpd
