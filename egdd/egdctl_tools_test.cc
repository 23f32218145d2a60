// SPDX-License-Identifier: Apache-2.0
// egdctl's pure parts: its command line, the default EGD socket, the wait's
// reading of `status`, and the capture's progress text and pacing.
#include <catch2/catch.hpp>

#include <vector>

#include "egdd/egdctl_args.h"
#include "egdd/egdctl_wait.h"

using namespace egdctl;

namespace {

egd::Status Parse(std::vector<const char*> args, Options* o) {
  args.insert(args.begin(), "egdctl");
  return ParseArgs(static_cast<int>(args.size()), args.data(), o);
}

std::string Error(std::vector<const char*> args) {
  Options o;
  egd::Status st = Parse(std::move(args), &o);
  return st.ok() ? "" : st.message();
}

}  // namespace

TEST_CASE("egdctl args: commands, defaults and options anywhere") {
  Options o;
  REQUIRE(Parse({"status"}, &o).ok());
  CHECK(o.command == "status");
  CHECK(o.socket == kDefaultControlSocket);
  REQUIRE(Parse({"init", "--socket", "/s"}, &o).ok());
  CHECK((o.command == "init" && o.socket == "/s" && o.wait && o.timeout.count() == 30000));
  REQUIRE(Parse({"--no-wait", "restart", "--timeout", "2.5"}, &o).ok());
  CHECK((o.command == "restart" && !o.wait && o.timeout.count() == 2500));
  REQUIRE(Parse({"capture", "1035716", "cap.bin", "--egd", "unix:/run/x.sock", "--force"}, &o).ok());
  CHECK((o.capture_bytes == 1035716 && o.capture_file == "cap.bin" && o.force));
  CHECK(o.egd == "unix:/run/x.sock");
  REQUIRE(Parse({"init", "tunnel", "--no-wait"}, &o).ok());
  CHECK((o.command == "init" && o.source == "tunnel" && !o.wait));
  REQUIRE(Parse({"shutdown", "hwrng"}, &o).ok());
  CHECK(o.source == "hwrng");
  REQUIRE(Parse({"capture", "10", "c", "--egd", "127.0.0.1:7776"}, &o).ok());
  CHECK((o.capture_bytes == 10 && o.egd == "127.0.0.1:7776" && !o.force));
}

TEST_CASE("egdctl args: refusals name what is wrong and leave the options alone") {
  Options o;
  o.command = "untouched";
  CHECK(!Parse({"bogus"}, &o).ok());
  CHECK(o.command == "untouched");
  CHECK(Error({}) == "no command given");
  CHECK(Error({"bogus"}) == "unknown command 'bogus'");
  CHECK(Error({"status", "extra"}) == "status takes no arguments");
  CHECK(Error({"init", "a", "b"}) == "init takes at most a source name");
  CHECK(Error({"--socket"}) == "--socket needs a value");
  CHECK(Error({"status", "--frobnicate"}) == "unknown option '--frobnicate'");
  CHECK(Error({"status", "--no-wait"}) == "--no-wait and --timeout apply to init and restart only");
  CHECK(Error({"init", "--force"}) == "--egd and --force apply to capture only");
  CHECK(Error({"init", "--timeout", "0"}).starts_with("--timeout '0': expected seconds"));
  CHECK(Error({"init", "--timeout", "-1"}).starts_with("--timeout '-1'"));
  CHECK(Error({"init", "--timeout", "1e3"}).starts_with("--timeout '1e3'"));
  CHECK(Error({"init", "--timeout", "604801"}).starts_with("--timeout '604801'"));
  CHECK(Error({"capture", "10"}) == "capture takes N and FILE");
  CHECK(Error({"capture", "0", "f"}) == "capture: N must be at least 1 byte");
  CHECK(Error({"capture", "1k", "f"}).starts_with("capture: N '1k': expected a number"));
  CHECK(Error({"capture", "-5", "f"}) == "unknown option '-5'");
  CHECK(Error({"capture", "1073741825", "f"}) ==
        "capture: N 1073741825 is more than the limit of 1073741824 bytes (1 GiB)");
  CHECK(Error({"capture", "99999999999999999999", "f"}).starts_with("capture: N '9999"));
  CHECK(Error({"capture", "5", "-"}).starts_with("capture: FILE must name a file"));
  CHECK(Error({"capture", "5", "f", "--egd", "localhost:1"}).starts_with("--egd 'localhost:1'"));
  CHECK(Error({"capture", "5", "f", "--egd", "unix:relative"}).starts_with("--egd "));
}

TEST_CASE("egdctl capture: the default EGD socket is the first plain unix listener") {
  CHECK(DefaultEgdAddress({}) == kDefaultEgdSocket);
  CHECK(DefaultEgdAddress({"127.0.0.1:7776", "unix:/run/a.sock", "unix:/run/b.sock"}) ==
        "unix:/run/a.sock");
  CHECK(DefaultEgdAddress({"proxy:unix:/run/p/egd.sock", "[::1]:7776"}) == "[::1]:7776");
  CHECK(DefaultEgdAddress({"proxy:127.0.0.1:7777"}) == kDefaultEgdSocket);
}

TEST_CASE("egdctl wait: what status says about a start") {
  using nlohmann::json;
  CHECK(JudgeStatus({{"state", "running"}, {"state_reason", "startup tests passed"}}).phase ==
        Phase::kRunning);
  Judgement j = JudgeStatus({{"state", "failed"}, {"state_reason", "repetition_count: run of 41"}});
  CHECK((j.phase == Phase::kFailed && j.text == "repetition_count: run of 41"));
  CHECK(JudgeStatus({{"state", "device_lost"}, {"state_reason", "x"}}).phase == Phase::kDeviceLost);
  CHECK(JudgeStatus({{"state", "standby"}}).phase == Phase::kStandby);
  j = JudgeStatus({{"state", "initializing"}, {"state_reason", "f opened"}, {"source_eof", false}});
  CHECK((j.phase == Phase::kWaiting && !j.assessing && j.text == "the startup test is running (f opened)"));
  j = JudgeStatus({{"state", "initializing"}, {"source_eof", true}});
  CHECK(j.phase == Phase::kSourceEnded);
  json assessing = {{"state", "initializing"},
                    {"assessment", {{"state", "running"},
                                    {"running", {{"samples_needed", 100000},
                                                 {"samples_collected", 12000},
                                                 {"phase", "collecting"}}}}}};
  j = JudgeStatus(assessing);
  CHECK((j.phase == Phase::kWaiting && j.assessing));
  CHECK(j.text.ends_with("12,000 of 100,000 samples collected (12%)"));
  assessing["source_eof"] = true;  // an assessment still collecting cannot finish either
  CHECK(JudgeStatus(assessing).phase == Phase::kSourceEnded);
  assessing["source_eof"] = false;
  assessing["assessment"]["running"]["phase"] = "estimating";
  CHECK(JudgeStatus(assessing).text.ends_with("estimating from 100,000 samples"));
}

TEST_CASE("egdctl wait: one named source, or every source") {
  using nlohmann::json;
  json status = {{"state", "running"},
                 {"sources", {{{"name", "a"}, {"state", "running"}},
                              {{"name", "b"}, {"state", "initializing"}}}}};
  CHECK(JudgeSources(status, "a").phase == Phase::kRunning);
  CHECK(JudgeSources(status, "b").phase == Phase::kWaiting);
  Judgement j = JudgeSources(status, "");  // the daemon runs, but b still starts
  CHECK((j.phase == Phase::kWaiting && j.text.starts_with("b: ")));
  status["sources"][1] = {{"name", "b"}, {"state", "failed"}, {"state_reason", "rct"}};
  j = JudgeSources(status, "");
  CHECK((j.phase == Phase::kFailed && j.text == "b: rct"));
  status["sources"][1]["state"] = "running";
  CHECK(JudgeSources(status, "").phase == Phase::kRunning);
  CHECK(JudgeSources(status, "gone").phase == Phase::kStandby);
  // One source: the top level decides, as before.
  CHECK(JudgeSources({{"state", "failed"}, {"sources", {{{"name", "main"}, {"state", "failed"}}}}},
                     "").phase == Phase::kFailed);
}
