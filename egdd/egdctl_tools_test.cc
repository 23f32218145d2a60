// SPDX-License-Identifier: Apache-2.0
// egdctl's pure parts: its command line, the default EGD socket, the wait's
// reading of `status`, and the capture's progress text and pacing.
#include <catch2/catch.hpp>

#include <vector>

#include "egdd/egdctl_args.h"
#include "egdd/egdctl_progress.h"
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

TEST_CASE("egdctl progress: numbers, durations and rates") {
  CHECK(Grouped(0) == "0");
  CHECK(Grouped(999) == "999");
  CHECK(Grouped(1035716) == "1,035,716");
  CHECK(FormatBytes(512) == "512 B");
  CHECK(FormatBytes(12345) == "12.3 kB");
  CHECK(FormatBytes(1035716) == "1.04 MB");
  CHECK(FormatBytes(999999) == "1.00 MB");
  CHECK(FormatDuration(4.24) == "4.2 s");
  CHECK(FormatDuration(42) == "42 s");
  CHECK(FormatDuration(185) == "3 min 05 s");
  CHECK(FormatDuration(7440) == "2 h 04 min");
  CHECK(FormatDuration(200000) == "2 d 07 h");
  CHECK(FormatDuration(-1) == "unknown");
  CHECK(FormatRate(7.5) == "7.50 B/s (60 bit/s)");
  CHECK(FormatRate(875) == "875 B/s (7.00 kbit/s)");
}

TEST_CASE("egdctl progress: bar, plain line, ETA and final line") {
  Progress p{450, 1000, 9.0};  // 50 B/s: 550 bytes left take 11 s
  CHECK(Rate(p) == 50);
  CHECK(EtaText(p) == "ETA 11 s");
  std::string bar = ProgressBar(p, 100);
  CHECK(bar == "[#############.................]   45%  450 B of 1.00 kB  50 B/s (400 bit/s)  ETA 11 s");
  CHECK(ProgressBar(p, 40).size() <= 40);
  CHECK(ProgressLine(p) == "45% (450 of 1,000 bytes) in 9.0 s, 50 B/s (400 bit/s), ETA 11 s");
  Progress stalled{0, 1000, 30};
  CHECK(EtaText(stalled) == "ETA unknown");
  CHECK(ProgressBar(stalled, 100).find("waiting for bytes") != std::string::npos);
  CHECK(FinalLine({1000, 1000, 20}) == "1,000 of 1,000 bytes in 20 s: 50 B/s (400 bit/s)");
}

TEST_CASE("egdctl progress: a terminal redraws at most 4 times a second") {
  ProgressPacer t(true);
  CHECK(t.Due({1, 100, 0.0}));
  CHECK(!t.Due({2, 100, 0.2}));
  CHECK(t.Due({3, 100, 0.25}));
  CHECK(!t.Due({100, 100, 1.0}));  // the final line says it
}

TEST_CASE("egdctl progress: a pipe gets a line each tenth, or every 10 s") {
  ProgressPacer pipe(false);
  CHECK(!pipe.Due({5, 1000, 1}));
  CHECK(pipe.Due({100, 1000, 2}));   // 10 %
  CHECK(!pipe.Due({150, 1000, 3}));
  CHECK(pipe.Due({310, 1000, 4}));   // 31 %: one line, not two
  CHECK(!pipe.Due({390, 1000, 5}));
  CHECK(pipe.Due({395, 1000, 15}));  // 10 s without a line
  CHECK(!pipe.Due({396, 1000, 16}));
  CHECK(!pipe.Due({1000, 1000, 17}));
  int lines = 0;
  ProgressPacer fast(false);
  for (uint64_t d = 1; d <= 1000; ++d) lines += fast.Due({d, 1000, 0.001 * d});
  CHECK(lines == 9);
}
