// Fuzzes trng::CommandParser (firmware/core/command_parser.h), the device's
// parser of host commands, against a plain model of its contract, byte by byte:
// a line ends at '\n' or '\r'; it is trimmed of spaces; an empty line gives
// nothing; a line of more than kMaxCommand characters is kTooLong; a line with
// a byte outside printable ASCII is kUnknown; otherwise exact lower-case
// on/off/status/version, else kUnknown. last_line() stays a NUL-terminated
// printable string of at most kMaxCommand characters.
#include <cstring>
#include <string>

#include "firmware/core/command_parser.h"
#include "fuzz/fuzz_support.h"

namespace {

using trng::Command;
using trng::CommandParser;

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

Command Expected(const std::string& line) {
  if (line.size() > CommandParser::kMaxCommand) return Command::kTooLong;
  const std::string t = Trim(line);
  if (t.empty()) return Command::kNone;
  for (char c : t) {
    if (c < 0x20 || c > 0x7E) return Command::kUnknown;
  }
  if (t == "on") return Command::kOn;
  if (t == "off") return Command::kOff;
  if (t == "status") return Command::kStatus;
  if (t == "version") return Command::kVersion;
  return Command::kUnknown;
}

void CheckLastLine(const CommandParser& parser) {
  const char* last = parser.last_line();
  const size_t n = strnlen(last, CommandParser::kMaxCommand + 1);
  FUZZ_CHECK(n <= CommandParser::kMaxCommand);
  for (size_t i = 0; i < n; ++i) FUZZ_CHECK(last[i] >= 0x20 && last[i] <= 0x7E);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CommandParser parser;
  std::string line;  // the model's current line, untrimmed
  for (size_t i = 0; i < size; ++i) {
    const uint8_t c = data[i];
    const Command got = parser.Feed(c);
    if (c == '\n' || c == '\r') {
      const Command want = Expected(line);
      FUZZ_CHECK(got == want);
      if (want != Command::kNone && want != Command::kTooLong) {
        // The reply quotes the trimmed line, non-printable bytes shown as '?'.
        std::string shown = Trim(line);
        for (char& ch : shown) {
          if (ch < 0x20 || ch > 0x7E) ch = '?';
        }
        FUZZ_CHECK(shown == parser.last_line());
      }
      line.clear();
    } else {
      FUZZ_CHECK(got == Command::kNone);
      line.push_back(static_cast<char>(c));
    }
    CheckLastLine(parser);
  }
  return 0;
}
