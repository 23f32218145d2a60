#include "firmware/core/command_parser.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace trng {
namespace {

std::vector<Command> FeedString(CommandParser& p, const std::string& s) {
  std::vector<Command> out;
  for (char c : s) {
    const Command cmd = p.Feed(static_cast<uint8_t>(c));
    if (cmd != Command::kNone) out.push_back(cmd);
  }
  return out;
}

TEST_CASE("The four commands with LF, CRLF and bare CR", "[command]") {
  CommandParser p;
  REQUIRE(FeedString(p, "on\noff\r\nstatus\rversion\n") ==
          std::vector<Command>{Command::kOn, Command::kOff, Command::kStatus, Command::kVersion});
}

TEST_CASE("Empty lines are ignored, spaces trimmed, matching exact", "[command]") {
  CommandParser p;
  REQUIRE(FeedString(p, "\n\r\n  on  \n").size() == 1);
  REQUIRE(FeedString(p, "ON\n") == std::vector<Command>{Command::kUnknown});
  REQUIRE(std::string(p.last_line()) == "ON");
  REQUIRE(FeedString(p, "o n\n") == std::vector<Command>{Command::kUnknown});
  REQUIRE(FeedString(p, "onn\n") == std::vector<Command>{Command::kUnknown});
}

TEST_CASE("A command split across feeds completes at its terminator", "[command]") {
  CommandParser p;
  REQUIRE(FeedString(p, "sta").empty());
  REQUIRE(FeedString(p, "tus") .empty());
  REQUIRE(FeedString(p, "\n") == std::vector<Command>{Command::kStatus});
}

TEST_CASE("Overlong lines are reported once and do not leak into the next", "[command]") {
  CommandParser p;
  REQUIRE(FeedString(p, std::string(100, 'x') + "\non\n") ==
          std::vector<Command>{Command::kTooLong, Command::kOn});
}

TEST_CASE("Binary noise makes the line unknown, never a command", "[command]") {
  CommandParser p;
  REQUIRE(FeedString(p, std::string("o\x00n\n", 4)) == std::vector<Command>{Command::kUnknown});
  REQUIRE(std::string(p.last_line()) == "o?n");
  REQUIRE(FeedString(p, "\xEB\x90on\n") == std::vector<Command>{Command::kUnknown});
  REQUIRE(FeedString(p, "off\n") == std::vector<Command>{Command::kOff});
}

}  // namespace
}  // namespace trng
