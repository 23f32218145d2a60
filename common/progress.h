// SPDX-License-Identifier: Apache-2.0
// Progress reports of long runs (egdctl capture, egd-eval's SP 800-90B
// procedures), as pure text: a progress bar (a terminal, redrawn in place),
// plain lines (a pipe or file) and when each is due. Times are given, never
// read, so every line is testable; only TerminalWidth asks the terminal.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace egd {

struct Progress {
  uint64_t done = 0;    // units so far
  uint64_t total = 0;   // units asked for (> 0)
  double elapsed_s = 0;  // since the start
  // What is counted: "" for bytes (sizes in kB/MB, rates in B/s and bit/s),
  // otherwise a plural noun such as "shuffles" (counts and "shuffles/s").
  std::string unit;
};

std::string Grouped(uint64_t n);                // 1035716 -> "1,035,716"
std::string FormatBytes(uint64_t n);            // "512 B", "12.3 kB", "1.04 MB"
std::string FormatDuration(double seconds);     // "4.2 s", "42 s", "3 min 05 s", "2 h 04 min"
std::string FormatRate(double bytes_per_s);     // "875 B/s (7.0 kbit/s)", "7.5 B/s (60 bit/s)"
// Average units per second so far; 0 before the first.
double Rate(const Progress& p);
// "ETA 3 min 05 s", or "ETA unknown" while nothing has arrived (a stalled source).
std::string EtaText(const Progress& p);

// One terminal line, `width` columns at most (>= 40):
// "[######......]  45%  1.04 MB of 2.30 MB  875 B/s (7.0 kbit/s)  ETA 25 min 10 s"
std::string ProgressBar(const Progress& p, size_t width);
// "45% (1,040,000 of 2,300,000 bytes) in 20 min 01 s, 875 B/s (7.0 kbit/s), ETA 25 min 10 s"
std::string ProgressLine(const Progress& p);
// The summary when the run ended, complete or not.
std::string FinalLine(const Progress& p);

// Columns of the terminal on standard error (80 if it says nothing useful).
size_t TerminalWidth();

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

// Writes the reports a ProgressPacer lets through to `out` (standard error):
// on a terminal the bar after `bar_prefix`, redrawn in place until Erase();
// elsewhere a plain line after `line_prefix`.
class ProgressWriter {
 public:
  ProgressWriter(std::ostream& out, bool terminal, std::string line_prefix,
                 std::string bar_prefix = "");
  void Report(const Progress& p);  // if one is due
  void Erase();                    // the bar, if one is drawn

 private:
  std::ostream& out_;
  bool terminal_;
  std::string line_prefix_, bar_prefix_;
  ProgressPacer pacer_;
  bool drawn_ = false;
};

}  // namespace egd
