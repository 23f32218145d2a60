#include "httpd/api.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

Request Make(const std::string& method, const std::string& target, const std::string& cookie = "",
             const std::string& body = "") {
  Request r;
  r.method = method;
  r.target = target;
  r.cookie = cookie;
  r.body = body;
  return r;
}

Action Get(const std::string& target, const std::string& cookie = "") {
  return Route(Make("GET", target, cookie), LimitsConfig{}, true);
}

json Body(const Response& r) { return json::parse(r.text()); }

TEST_CASE("the manual's endpoints and their defaults") {
  Action a = Get("/trng/randomNum/getRandom");
  CHECK(a.op == Op::kGetRandom);
  CHECK(a.num_bits == 1);
  CHECK(a.quantity == 1);
  CHECK(a.label == "getRandom");
  a = Get("/trng/randomNum/getRandom?numBits=24&quantity=3");
  CHECK(a.num_bits == 24);
  CHECK(a.quantity == 3);
  a = Get("/trng/randomNum/generateTestdata");
  CHECK(a.op == Op::kGenerateTestdata);
  CHECK(a.num_bits == 5000);
  CHECK(a.filetype == FileType::kBin);
  a = Get("/trng/randomNum/generateTestdata?numBits=1000&filetype=txt");
  CHECK(a.filetype == FileType::kTxt);
  CHECK(Get("/trng/randomNum/init").op == Op::kInit);
  CHECK(Get("/trng/randomNum/shutdown").op == Op::kShutdown);
  CHECK(Get("/trng/randomNum/restart").op == Op::kRestart);
  CHECK(Get("/trng/randomNum/downloadFile").op == Op::kDownloadFile);
  CHECK(Get("/metrics").op == Op::kMetrics);
  CHECK(Get("/healthz").op == Op::kHealthz);
  CHECK(Get("/").page == "index.html");
  CHECK(Get("/app.js").page == "app.js");
}

TEST_CASE("defaults stay within limits set below them (found by fuzz/http_route_fuzz)") {
  LimitsConfig lim;
  lim.max_testdata_bits = 1000;
  lim.max_total_bits = 64;
  Request testdata = Make("GET", "/trng/randomNum/generateTestdata");
  CHECK(Route(testdata, lim, true).num_bits == 1000);
  Request random = Make("GET", "/trng/randomNum/getRandom?numBits=65");
  Action a = Route(random, lim, true);
  REQUIRE(a.op == Op::kError);
  CHECK(Body(a.error)["maximum"] == 64);
}

TEST_CASE("downloadFile takes the token from the query, else the cookie") {
  CHECK(Get("/trng/randomNum/downloadFile?token=abc", "trng_file=def").token == "abc");
  CHECK(Get("/trng/randomNum/downloadFile", "x=1; trng_file=def").token == "def");
  CHECK(Get("/trng/randomNum/downloadFile").token.empty());
}

TEST_CASE("reason phrases include the manual's codes and the refusals") {
  CHECK(std::string(ReasonPhrase(432)) == "Not Initialized");
  CHECK(std::string(ReasonPhrase(555)) == "TRNG Error");
  CHECK(std::string(ReasonPhrase(421)) == "Misdirected Request");
  CHECK(std::string(ReasonPhrase(429)) == "Too Many Requests");
  CHECK(std::string(ReasonPhrase(403)) == "Forbidden");
  CHECK(std::string(RoleName(Role::kPublic)) == "public");
}

TEST_CASE("bad parameters get 400 naming the parameter and the limit") {
  for (const char* q : {"numBits=0", "numBits=-1", "numBits=abc", "numBits=65537",
                        "numBits=99999999999999999999999", "numBits="}) {
    INFO(q);
    Action a = Get(std::string("/trng/randomNum/getRandom?") + q);
    REQUIRE(a.op == Op::kError);
    CHECK(a.error.status == 400);
    CHECK(Body(a.error)["parameter"] == "numBits");
    CHECK(Body(a.error)["maximum"] == 65536);
    CHECK(a.label == "getRandom");
  }
  Action a = Get("/trng/randomNum/getRandom?numBits=8&quantity=0");
  CHECK(Body(a.error)["parameter"] == "quantity");
  a = Get("/trng/randomNum/getRandom?numBits=65536&quantity=17");  // 17 * 65536 > 2^20 bits
  CHECK(a.error.status == 400);
  CHECK(Body(a.error)["maximum"] == 16);
  CHECK(Get("/trng/randomNum/getRandom?numBits=65536&quantity=16").op == Op::kGetRandom);
  a = Get("/trng/randomNum/generateTestdata?filetype=exe");
  CHECK(Body(a.error)["parameter"] == "filetype");
  a = Get("/trng/randomNum/generateTestdata?numBits=8388609");
  CHECK(Body(a.error)["maximum"] == 8388608);
  CHECK(Get("/trng/randomNum/generateTestdata?filetype=.txt").filetype == FileType::kTxt);
}

TEST_CASE("unknown paths are 404, wrong methods 405") {
  CHECK(Get("/trng/randomNum/nothing").error.status == 404);
  CHECK(Get("/nothing").error.status == 404);
  Action a = Route(Make("POST", "/trng/randomNum/init"), LimitsConfig{}, true);
  CHECK(a.error.status == 405);
  CHECK(a.label == "init");
  CHECK(Get("/%ff").error.status == 404);  // invalid UTF-8 in the message is replaced, not thrown
}

TEST_CASE("strict parameters: unknown, misspelled or repeated names are 400 naming what is accepted") {
  struct Case {
    const char* target;
    const char* parameter;
    std::vector<std::string> accepted;
  };
  const std::vector<Case> cases = {
      {"/trng/randomNum/getRandom?numbits=8", "numbits", {"numBits", "quantity"}},
      {"/trng/randomNum/getRandom?numBits=8&numBits=16", "numBits", {"numBits", "quantity"}},
      {"/trng/randomNum/getRandom?quantity=1&quantity=1", "quantity", {"numBits", "quantity"}},
      {"/trng/randomNum/generateTestdata?fileType=txt", "fileType", {"numBits", "filetype"}},
      {"/trng/randomNum/generateTestdata?filetype=bin&filetype=txt", "filetype", {"numBits", "filetype"}},
      {"/trng/randomNum/downloadFile?tokn=ab", "tokn", {"token"}},
      {"/trng/randomNum/downloadFile?token=a&token=b", "token", {"token"}},
      {"/trng/randomNum/init?force", "force", {}},
      {"/trng/randomNum/shutdown?now=1", "now", {}},
      {"/trng/randomNum/restart?x=", "x", {}},
      {"/trng/randomNum/status?verbose=1", "verbose", {}},
      {"/metrics?name=x", "name", {}},
      {"/healthz?x", "x", {}},
      {"/pollen?challenge=a&challenge=b", "challenge", {"challenge"}},
      {"/pollen?challenge=a&extra=1", "extra", {"challenge"}}};
  for (const Case& c : cases) {
    INFO(c.target);
    Action a = Get(c.target);
    REQUIRE(a.op == Op::kError);
    CHECK(a.error.status == 400);
    CHECK(Body(a.error)["parameter"] == c.parameter);
    CHECK(Body(a.error)["accepted"] == json(c.accepted));
    std::string message = Body(a.error)["message"];
    CHECK(message.find(c.accepted.empty() ? "takes no parameters" : "accepts") != std::string::npos);
    CHECK(!a.label.empty());
  }
  CHECK(Get("/trng/randomNum/getRandom?numbits=8").label == "getRandom");
  CHECK(Get("/metrics?x=1").label == "metrics");
  // A challenge in the query and in the form body is given twice.
  Action a = Route(Make("POST", "/pollen?challenge=a", "", "challenge=b"), LimitsConfig{}, true);
  CHECK(a.error.status == 400);
  a = Route(Make("POST", "/", "", "challenge=b&user=me"), LimitsConfig{}, true);
  CHECK(Body(a.error)["parameter"] == "user");
  // Names are checked before values, and a wrong method before both.
  CHECK(Body(Get("/trng/randomNum/getRandom?numBits=0&x=1").error)["parameter"] == "x");
  CHECK(Route(Make("POST", "/trng/randomNum/getRandom?x=1"), LimitsConfig{}, true).error.status == 405);
  // Pages ignore their query string (bookmarks and link shorteners add theirs).
  CHECK(Get("/?utm_source=x").op == Op::kPage);
  CHECK(Get("/app.js?v=2&v=3").op == Op::kPage);
}

TEST_CASE("HEAD is routed as GET wherever GET only reads") {
  auto head = [](const std::string& target) {
    return Route(Make("HEAD", target), LimitsConfig{}, true);
  };
  CHECK(head("/").op == Op::kPage);
  CHECK(head("/style.css").page == "style.css");
  CHECK(head("/metrics").op == Op::kMetrics);
  CHECK(head("/healthz").op == Op::kHealthz);
  CHECK(head("/trng/randomNum/status").op == Op::kStatus);
  CHECK(head("/pollen?challenge=ab").op == Op::kPollen);
  Action a = head("/trng/randomNum/getRandom?numBits=24&quantity=3");
  CHECK(a.op == Op::kGetRandom);
  CHECK(a.quantity == 3);
  CHECK(head("/trng/randomNum/getRandom?numbits=8").error.status == 400);  // as GET would
  CHECK(head("/nothing").error.status == 404);
  // A GET that changes state (or serves a file once) takes no HEAD.
  for (const char* e : {"init", "shutdown", "restart", "generateTestdata", "downloadFile"}) {
    INFO(e);
    a = head(std::string(kApiPrefix) + e);
    REQUIRE(a.error.status == 405);
    CHECK(a.error.headers == decltype(a.error.headers){{"Allow", "GET"}});
    CHECK(Body(a.error)["message"].get<std::string>().find("changes state") != std::string::npos);
    CHECK(a.label == e);
  }
  a = Route(Make("PUT", "/metrics"), LimitsConfig{}, true);
  CHECK(a.error.headers == decltype(a.error.headers){{"Allow", "GET, HEAD"}});
  a = Route(Make("DELETE", "/trng/randomNum/getRandom"), LimitsConfig{}, true);
  CHECK(a.error.headers == decltype(a.error.headers){{"Allow", "GET, HEAD"}});
  a = Route(Make("PUT", "/pollen"), LimitsConfig{}, true);
  CHECK(a.error.headers == decltype(a.error.headers){{"Allow", "GET, HEAD, POST"}});
}

TEST_CASE("the limits at and beyond their edges") {
  CHECK(Get("/trng/randomNum/getRandom?numBits=65536").num_bits == 65536);
  CHECK(Get("/trng/randomNum/getRandom?numBits=65537").error.status == 400);
  CHECK(Get("/trng/randomNum/getRandom?numBits=1&quantity=10000").quantity == 10000);
  CHECK(Get("/trng/randomNum/getRandom?numBits=1&quantity=10001").error.status == 400);
  CHECK(Get("/trng/randomNum/getRandom?numBits=105&quantity=9986").quantity == 9986);  // <= 2^20
  CHECK(Get("/trng/randomNum/getRandom?numBits=105&quantity=9987").error.status == 400);  // > 2^20
  CHECK(Get("/trng/randomNum/getRandom?numBits=128&quantity=8192").quantity == 8192);  // = 2^20
  Action a = Get("/trng/randomNum/getRandom?numBits=128&quantity=8193");
  CHECK(Body(a.error)["maximum"] == 8192);
  CHECK(Body(a.error)["message"].get<std::string>().find("at most 1048576 bits per request") !=
        std::string::npos);
  CHECK(Get("/trng/randomNum/generateTestdata?numBits=8388608").num_bits == 8388608);
  CHECK(Get("/trng/randomNum/generateTestdata?numBits=8388609").error.status == 400);
}

TEST_CASE("pollen: POST / or /pollen with challenge=") {
  Action a = Route(Make("POST", "/", "", "challenge=abc123"), LimitsConfig{}, true);
  CHECK(a.op == Op::kPollen);
  CHECK(a.challenge == "abc123");
  CHECK(Get("/pollen?challenge=x").challenge == "x");
  CHECK(Get("/?challenge=x").op == Op::kPollen);
  a = Route(Make("POST", "/pollen"), LimitsConfig{}, true);
  CHECK(a.error.status == 400);
  CHECK(Route(Make("POST", "/", "", "challenge=1"), LimitsConfig{}, false).error.status == 405);
}

TEST_CASE("state gate: 432 in standby, 555 when failed, lost or unreachable") {
  auto status = [](const std::string& state) {
    return ParseStatus(true, "", json{{"state", state}, {"state_reason", "why"}}.dump());
  };
  CHECK_FALSE(RandomGate(status("running")));
  CHECK_FALSE(RandomGate(status("initializing")));
  CHECK(RandomGate(status("standby"))->status == 432);
  CHECK(RandomGate(status("failed"))->status == 555);
  CHECK(RandomGate(status("device_lost"))->status == 555);
  CHECK(RandomGate(ParseStatus(false, "refused", ""))->status == 555);
  CHECK(RandomGate(ParseStatus(true, "", "garbage"))->status == 555);
  Response t = RandomTimeout(status("running"), 3, 10, milliseconds(1500));
  CHECK(t.status == 503);
  CHECK(Body(t)["message"].get<std::string>().find("only 3 of 10 random bytes arrived within 1.500 s") == 0);
  CHECK(RandomTimeout(status("initializing"), 0, 10, milliseconds(1000)).status == 555);
  CHECK(RandomTimeout(status("standby"), 0, 10, milliseconds(1000)).status == 432);
}

TEST_CASE("control replies map to the manual's codes") {
  auto reply = [](bool ok, const std::string& error) {
    json j = {{"ok", ok}, {"state", "running"}, {"message", "m"}};
    if (!ok) j["error"] = error;
    return j.dump();
  };
  CHECK(MapControlReply(Op::kInit, true, "", reply(true, "")).wait_running);
  CHECK(MapControlReply(Op::kRestart, true, "", reply(true, "")).wait_running);
  ControlOutcome o = MapControlReply(Op::kShutdown, true, "", reply(true, ""));
  CHECK(o.response.status == 200);
  CHECK(Body(o.response)["message"] == "System successfully shutdown");
  o = MapControlReply(Op::kInit, true, "", reply(false, "already_initialized"));
  CHECK(o.response.status == 409);
  CHECK(Body(o.response)["message"] == "System already initialized");
  o = MapControlReply(Op::kShutdown, true, "", reply(false, "already_shut_down"));
  CHECK(o.response.status == 409);
  CHECK(Body(o.response)["message"] == "System already shut down");
  CHECK(MapControlReply(Op::kRestart, true, "", reply(false, "not_initialized")).response.status == 432);
  CHECK(MapControlReply(Op::kInit, true, "", reply(false, "device_lost")).response.status == 555);
  CHECK(MapControlReply(Op::kInit, false, "refused", "").response.status == 555);
}

TEST_CASE("init waits for running; failure or timeout is 555") {
  auto status = [](const std::string& state) { return ParseStatus(true, "", json{{"state", state}}.dump()); };
  Response r = AfterInitWait(Op::kInit, status("running"), false, milliseconds(60000));
  CHECK(r.status == 200);
  CHECK(Body(r)["message"] == "System initialised successfully");
  CHECK(Body(AfterInitWait(Op::kRestart, status("running"), false, milliseconds(1)))["message"] ==
        "System successfully restarted");
  r = AfterInitWait(Op::kInit, status("initializing"), true, milliseconds(60000));
  CHECK(r.status == 555);
  CHECK(Body(r)["message"].get<std::string>().find("within 60 s") != std::string::npos);
  CHECK(AfterInitWait(Op::kInit, status("failed"), false, milliseconds(1)).status == 555);
}

TEST_CASE("the status view's event stream: GET and HEAD, no parameters") {
  Action a = Get("/trng/randomNum/events");
  CHECK(a.op == Op::kEvents);
  CHECK(a.label == "events");
  CHECK(Route(Make("HEAD", "/trng/randomNum/events"), LimitsConfig{}, true).op == Op::kEvents);
  a = Route(Make("POST", "/trng/randomNum/events"), LimitsConfig{}, true);
  CHECK(a.error.status == 405);
  CHECK(a.error.headers == decltype(a.error.headers){{"Allow", "GET, HEAD"}});
  a = Get("/trng/randomNum/events?lastEventId=3");
  REQUIRE(a.error.status == 400);
  CHECK(Body(a.error)["parameter"] == "lastEventId");
  CHECK(Body(a.error)["accepted"] == json::array());
  CHECK(Get("/trng/randomNum/events?x=1&x=2").error.status == 400);
  CHECK(Get("/trng/randomNum/Events").error.status == 404);
}

TEST_CASE("system JavaScript libraries: exactly the listed files, static like the page") {
  Action a = Get("/javascript/chart.js/chart.min.js");
  CHECK(a.op == Op::kLibrary);
  CHECK(a.page == "/javascript/chart.js/chart.min.js");
  CHECK(a.label == "javascript");
  CHECK(Get("/javascript/chart.js/chart.js").op == Op::kLibrary);
  CHECK(Get("/javascript/chart.js/chart.js?v=3.9.1").op == Op::kLibrary);  // a query is ignored
  CHECK(Route(Make("HEAD", "/javascript/chart.js/chart.js"), LimitsConfig{}, true).op == Op::kLibrary);
  CHECK(Route(Make("POST", "/javascript/chart.js/chart.js"), LimitsConfig{}, true).error.status == 405);
  for (const char* p : {"/javascript/", "/javascript/chart.js/chart.esm.js",
                        "/javascript/chart.js/%2e%2e/chart.js/chart.js", "/javascript/../etc/passwd",
                        "/javascript/chart.js/chart.js/", "/javascript/jquery/jquery.js"}) {
    INFO(p);
    CHECK(Get(p).error.status == 404);
  }
}

TEST_CASE("a restart from standby says it initialised the device") {
  json standby = {{"ok", true}, {"state", "initializing"},
                  {"message", "System was in standby; initialised it"}};
  ControlOutcome o = MapControlReply(Op::kRestart, true, "", standby.dump());
  CHECK(o.wait_running);
  CHECK(o.from_standby);
  json restarted = {{"ok", true}, {"state", "initializing"}, {"message", "System successfully restarted"}};
  CHECK_FALSE(MapControlReply(Op::kRestart, true, "", restarted.dump()).from_standby);
  CHECK_FALSE(MapControlReply(Op::kInit, true, "", standby.dump()).from_standby);
  auto running = ParseStatus(true, "", json{{"state", "running"}}.dump());
  Response r = AfterInitWait(Op::kRestart, running, false, milliseconds(1), true);
  CHECK(r.status == 200);
  CHECK(Body(r)["message"] == "System was in standby: initialised successfully");
  CHECK(Body(r)["was_standby"] == true);
  CHECK(Body(AfterInitWait(Op::kRestart, running, false, milliseconds(1)))["message"] ==
        "System successfully restarted");
}

TEST_CASE("healthz") {
  CHECK(Healthz(ParseStatus(true, "", R"({"state":"standby"})")).status == 200);
  CHECK(Healthz(ParseStatus(true, "", R"({"state":"failed"})")).status == 503);
  CHECK(Healthz(ParseStatus(false, "refused", "")).status == 503);
}

}  // namespace
}  // namespace httpd
