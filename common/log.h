// Leveled logging to stderr. Under journald (JOURNAL_STREAM set) each line carries
// the sd-daemon "<N>" priority prefix so the journal keeps the level; otherwise a
// plain "level: " prefix. Thread-safe: one write(2) per line.
#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace egd {

enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

std::optional<LogLevel> ParseLogLevel(std::string_view name);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, std::string_view message);

// Usage: Log(LogLevel::kInfo, "listening on ", addr);
template <typename... Args>
void Log(LogLevel level, const Args&... args) {
  if (!LogEnabled(level)) return;
  std::ostringstream out;
  (out << ... << args);
  LogLine(level, out.str());
}

}  // namespace egd
