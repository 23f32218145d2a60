#include "firmware/core/command_parser.h"

#include <cstring>

namespace trng {

Command CommandParser::Feed(uint8_t c) {
  if (c == '\n' || c == '\r') return Finish();
  if (len_ == kMaxCommand) {
    overflow_ = true;
    return Command::kNone;
  }
  if (c < 0x20 || c > 0x7E) {
    binary_ = true;
    c = '?';
  }
  line_[len_++] = static_cast<char>(c);
  return Command::kNone;
}

Command CommandParser::Finish() {
  size_t begin = 0;
  size_t end = len_;
  while (begin < end && line_[begin] == ' ') ++begin;
  while (end > begin && line_[end - 1] == ' ') --end;
  const bool empty = begin == end && !overflow_;
  const bool overflow = overflow_;
  const bool binary = binary_;
  len_ = 0;
  overflow_ = false;
  binary_ = false;
  if (empty) return Command::kNone;
  std::memcpy(last_, line_ + begin, end - begin);
  last_[end - begin] = '\0';
  if (overflow) return Command::kTooLong;
  if (binary) return Command::kUnknown;
  if (std::strcmp(last_, "on") == 0) return Command::kOn;
  if (std::strcmp(last_, "off") == 0) return Command::kOff;
  if (std::strcmp(last_, "status") == 0) return Command::kStatus;
  if (std::strcmp(last_, "version") == 0) return Command::kVersion;
  return Command::kUnknown;
}

}  // namespace trng
