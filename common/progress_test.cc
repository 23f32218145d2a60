// SPDX-License-Identifier: Apache-2.0
#include "common/progress.h"

#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

namespace egd {
namespace {

TEST_CASE("progress: numbers, durations and rates") {
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

TEST_CASE("progress: bar, plain line, ETA and final line") {
  Progress p{450, 1000, 9.0, ""};  // 50 B/s: 550 bytes left take 11 s
  CHECK(Rate(p) == 50);
  CHECK(EtaText(p) == "ETA 11 s");
  std::string bar = ProgressBar(p, 100);
  CHECK(bar == "[#############.................]   45%  450 B of 1.00 kB  50 B/s (400 bit/s)  ETA 11 s");
  CHECK(ProgressBar(p, 40).size() <= 40);
  CHECK(ProgressLine(p) == "45% (450 of 1,000 bytes) in 9.0 s, 50 B/s (400 bit/s), ETA 11 s");
  Progress stalled{0, 1000, 30, ""};
  CHECK(EtaText(stalled) == "ETA unknown");
  CHECK(ProgressBar(stalled, 100).find("waiting for bytes") != std::string::npos);
  CHECK(FinalLine({1000, 1000, 20, ""}) == "1,000 of 1,000 bytes in 20 s: 50 B/s (400 bit/s)");
}

TEST_CASE("progress: counts of something other than bytes") {
  Progress p{2500, 10000, 50.0, "shuffles"};  // 50 shuffles/s: 7,500 left take 150 s
  CHECK(ProgressBar(p, 100) ==
        "[#######.......................]   25%  2,500 of 10,000 shuffles  50 shuffles/s  "
        "ETA 2 min 30 s");
  CHECK(ProgressLine(p) == "25% (2,500 of 10,000 shuffles) in 50 s, 50 shuffles/s, ETA 2 min 30 s");
  CHECK(FinalLine({4, 20, 8.0, "estimators"}) == "4 of 20 estimators in 8.0 s: 0.50 estimators/s");
  CHECK(ProgressBar({0, 20, 1.0, "estimators"}, 100).find("waiting for estimators") !=
        std::string::npos);
}

TEST_CASE("progress: a terminal redraws at most 4 times a second") {
  ProgressPacer t(true);
  CHECK(t.Due({1, 100, 0.0, ""}));
  CHECK(!t.Due({2, 100, 0.2, ""}));
  CHECK(t.Due({3, 100, 0.25, ""}));
  CHECK(!t.Due({100, 100, 1.0, ""}));  // the final line says it
}

TEST_CASE("progress: a pipe gets a line each tenth, or every 10 s") {
  ProgressPacer pipe(false);
  CHECK(!pipe.Due({5, 1000, 1, ""}));
  CHECK(pipe.Due({100, 1000, 2, ""}));   // 10 %
  CHECK(!pipe.Due({150, 1000, 3, ""}));
  CHECK(pipe.Due({310, 1000, 4, ""}));   // 31 %: one line, not two
  CHECK(!pipe.Due({390, 1000, 5, ""}));
  CHECK(pipe.Due({395, 1000, 15, ""}));  // 10 s without a line
  CHECK(!pipe.Due({396, 1000, 16, ""}));
  CHECK(!pipe.Due({1000, 1000, 17, ""}));
  int lines = 0;
  ProgressPacer fast(false);
  for (uint64_t d = 1; d <= 1000; ++d) lines += fast.Due({d, 1000, 0.001 * d, ""});
  CHECK(lines == 9);
}

}  // namespace
}  // namespace egd
