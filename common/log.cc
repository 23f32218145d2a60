#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace egd {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kNotice: return "notice";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "info";
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel l : {LogLevel::kError, LogLevel::kWarning, LogLevel::kNotice, LogLevel::kInfo,
                     LogLevel::kDebug}) {
    if (name == LevelName(l)) return l;
  }
  return std::nullopt;
}

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) <= g_level.load(); }

void LogLine(LogLevel level, std::string_view message) {
  static const bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
  // Appended, not "<" + std::to_string(...): GCC 12 at -O3 reports a false
  // -Wrestrict inside that inlined operator+ (GCC PRs 105329, 105651).
  std::string line;
  line.reserve(message.size() + 16);
  if (journald) {
    line.append("<").append(std::to_string(static_cast<int>(level))).append(">");
  } else {
    line.append(LevelName(level)).append(": ");
  }
  line.append(message);
  line.push_back('\n');
  // Best effort: a failing stderr must not take the daemon down.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace egd
