// SPDX-License-Identifier: Apache-2.0
#include "common/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace egd {
namespace {

template <typename... Args>
std::string Printf(const char* format, Args... args) {
  char buf[128];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

// Scaled by 1000 with three significant digits: "512 B", "12.3 kB", "1.04 MB".
std::string Scaled(double v, const char* unit) {
  static const char* const kPrefixes[] = {"", "k", "M", "G", "T"};
  size_t i = 0;
  while (v >= 999.5 && i + 1 < std::size(kPrefixes)) {
    v /= 1000;
    ++i;
  }
  if (i == 0 && v == std::floor(v)) return Printf("%.0f %s", v, unit);
  const char* format = v < 9.995 ? "%.2f %s%s" : v < 99.95 ? "%.1f %s%s" : "%.0f %s%s";
  return Printf(format, v, kPrefixes[i], unit);
}

bool Bytes(const Progress& p) { return p.unit.empty(); }

// "1.04 MB" or "1,234 shuffles"
std::string Amount(const Progress& p, uint64_t n) {
  return Bytes(p) ? FormatBytes(n) : Grouped(n) + " " + p.unit;
}

std::string RateText(const Progress& p) {
  if (Bytes(p)) return FormatRate(Rate(p));
  double r = Rate(p);
  return (r >= 10 ? Printf("%.0f ", r) : Printf("%.2f ", r)) + p.unit + "/s";
}

int Percent(const Progress& p) {
  return p.total ? static_cast<int>(p.done * 100 / p.total) : 0;
}

}  // namespace

std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatBytes(uint64_t n) { return Scaled(static_cast<double>(n), "B"); }

std::string FormatDuration(double s) {
  if (!std::isfinite(s) || s < 0) return "unknown";
  if (s < 9.95) return Printf("%.1f s", s);
  auto t = static_cast<uint64_t>(std::llround(s));
  if (t < 60) return Printf("%d s", static_cast<int>(t));
  if (t < 3600) return Printf("%d min %02d s", static_cast<int>(t / 60), static_cast<int>(t % 60));
  if (t < 86400) {
    return Printf("%d h %02d min", static_cast<int>(t / 3600), static_cast<int>(t % 3600 / 60));
  }
  return Printf("%llu d %02d h", static_cast<unsigned long long>(t / 86400),
                static_cast<int>(t % 86400 / 3600));
}

std::string FormatRate(double bytes_per_s) {
  return Scaled(bytes_per_s, "B/s") + " (" + Scaled(bytes_per_s * 8, "bit/s") + ")";
}

double Rate(const Progress& p) {
  return p.done && p.elapsed_s > 0 ? static_cast<double>(p.done) / p.elapsed_s : 0;
}

std::string EtaText(const Progress& p) {
  double rate = Rate(p);
  if (rate <= 0) return "ETA unknown";
  return "ETA " + FormatDuration(static_cast<double>(p.total - std::min(p.done, p.total)) / rate);
}

std::string ProgressBar(const Progress& p, size_t width) {
  std::string tail =
      Printf("%3d%%  ", Percent(p)) + (Bytes(p) ? FormatBytes(p.done) : Grouped(p.done)) +
      " of " + Amount(p, p.total) + "  " +
      (Rate(p) > 0 ? RateText(p) : "waiting for " + (Bytes(p) ? std::string("bytes") : p.unit)) +
      "  " + EtaText(p);
  size_t room = width > tail.size() + 4 ? width - tail.size() - 4 : 0;
  size_t bar = std::min<size_t>(room, 30);
  if (bar < 5) return tail.substr(0, width);
  size_t filled = p.total ? static_cast<size_t>(p.done * bar / p.total) : 0;
  return "[" + std::string(filled, '#') + std::string(bar - filled, '.') + "]  " + tail;
}

std::string ProgressLine(const Progress& p) {
  return Printf("%d%% (", Percent(p)) + Grouped(p.done) + " of " + Grouped(p.total) + " " +
         (Bytes(p) ? "bytes" : p.unit) + ") in " + FormatDuration(p.elapsed_s) + ", " +
         (Rate(p) > 0 ? RateText(p) : std::string("nothing yet")) + ", " + EtaText(p);
}

std::string FinalLine(const Progress& p) {
  return Grouped(p.done) + " of " + Grouped(p.total) + " " + (Bytes(p) ? "bytes" : p.unit) +
         " in " + FormatDuration(p.elapsed_s) + ": " + RateText(p);
}

bool ProgressPacer::Due(const Progress& p) {
  if (p.done >= p.total) return false;
  bool due;
  if (terminal_) {
    due = last_s_ < 0 || p.elapsed_s - last_s_ >= 0.25;
  } else {
    uint64_t tenth = p.total ? p.done * 10 / p.total : 0;
    due = tenth > last_tenth_ || (last_s_ >= 0 ? p.elapsed_s - last_s_ : p.elapsed_s) >= 10;
    if (due) last_tenth_ = std::max(last_tenth_, tenth);
  }
  if (due) last_s_ = p.elapsed_s;
  return due;
}

size_t TerminalWidth() {
  winsize ws{};
  return ::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 ? ws.ws_col : 80;
}

ProgressWriter::ProgressWriter(std::ostream& out, bool terminal, std::string line_prefix,
                               std::string bar_prefix)
    : out_(out), terminal_(terminal), line_prefix_(std::move(line_prefix)),
      bar_prefix_(std::move(bar_prefix)), pacer_(terminal) {}

void ProgressWriter::Report(const Progress& p) {
  if (!pacer_.Due(p)) return;
  if (!terminal_) {
    out_ << line_prefix_ << ProgressLine(p) << std::endl;
    return;
  }
  // ProgressBar wants 40 columns at least, whatever the terminal says.
  size_t width = std::max(TerminalWidth(), bar_prefix_.size() + 41) - 1 - bar_prefix_.size();
  out_ << "\r\033[K" << bar_prefix_ << ProgressBar(p, width) << std::flush;
  drawn_ = true;
}

void ProgressWriter::Erase() {
  if (drawn_) out_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

}  // namespace egd
