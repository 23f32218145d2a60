// SPDX-License-Identifier: Apache-2.0
// egdctl's progress reports, as pure text: the capture's progress bar (a
// terminal, redrawn in place), its plain lines (a pipe or file) and when each
// is due. Times are given, never read, so every line is testable.
#pragma once

#include <cstdint>
#include <string>

namespace egdctl {

struct Progress {
  uint64_t done = 0;    // bytes so far
  uint64_t total = 0;   // bytes asked for (> 0)
  double elapsed_s = 0;  // since the first request
};

std::string Grouped(uint64_t n);                // 1035716 -> "1,035,716"
std::string FormatBytes(uint64_t n);            // "512 B", "12.3 kB", "1.04 MB"
std::string FormatDuration(double seconds);     // "4.2 s", "42 s", "3 min 05 s", "2 h 04 min"
std::string FormatRate(double bytes_per_s);     // "875 B/s (7.0 kbit/s)", "7.5 B/s (60 bit/s)"
// Average bytes per second so far; 0 before the first byte.
double Rate(const Progress& p);
// "ETA 3 min 05 s", or "ETA unknown" while nothing has arrived (a stalled source).
std::string EtaText(const Progress& p);

// One terminal line, `width` columns at most (>= 40):
// "[######......]  45%  1.04 MB of 2.30 MB  875 B/s (7.0 kbit/s)  ETA 25 min 10 s"
std::string ProgressBar(const Progress& p, size_t width);
// "45% (1,040,000 of 2,300,000 bytes) in 20 min 01 s, 875 B/s (7.0 kbit/s), ETA 25 min 10 s"
std::string ProgressLine(const Progress& p);
// The summary when the capture ended, complete or not.
std::string FinalLine(const Progress& p);

// When a report is due. On a terminal: at most every 0.25 s. Elsewhere: each
// time another tenth of the total is done, or 10 s after the last line while
// it is not; never at 100 % (the final line says it).
class ProgressPacer {
 public:
  explicit ProgressPacer(bool terminal) : terminal_(terminal) {}
  bool Due(const Progress& p);

 private:
  bool terminal_;
  double last_s_ = -1;
  uint64_t last_tenth_ = 0;
};

}  // namespace egdctl
