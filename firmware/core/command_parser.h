// CommandParser: assembles host -> device command lines from single bytes.
//
// A command is a line of printable ASCII ended by '\n' or '\r' (so "\n",
// "\r\n" and a terminal's bare "\r" all work); empty lines are ignored,
// leading/trailing spaces are trimmed, and matching is exact and lower-case:
// `on`, `off`, `status`, `version`. Anything else is kUnknown; a line longer
// than kMaxCommand characters is kTooLong (reported once, at its end). Bytes
// outside printable ASCII (line noise, stale binary data echoed back by a host
// whose tty was not yet raw) make the line kUnknown. Pure; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace trng {

enum class Command { kNone, kOn, kOff, kStatus, kVersion, kUnknown, kTooLong };

class CommandParser {
 public:
  static constexpr size_t kMaxCommand = 32;

  // Feeds one byte; returns the command its line completes, else kNone.
  Command Feed(uint8_t c);

  // The last completed line (trimmed, up to kMaxCommand characters,
  // non-printable bytes shown as '?'), e.g. for an error reply.
  const char* last_line() const { return last_; }

 private:
  Command Finish();

  char line_[kMaxCommand + 1] = {};
  char last_[kMaxCommand + 1] = {};
  size_t len_ = 0;
  bool overflow_ = false;
  bool binary_ = false;
};

}  // namespace trng
