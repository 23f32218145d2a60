#include "common/egd_codec.h"

namespace egd {

RequestParser::Result RequestParser::Parse(std::span<const uint8_t> in, size_t* consumed,
                                           Request* out) {
  size_t i = 0;
  auto finish = [&](Result r) {
    *consumed = i;
    return r;
  };
  while (i < in.size()) {
    uint8_t b = in[i++];
    switch (state_) {
      case State::kCommand:
        if (b > static_cast<uint8_t>(Command::kPid)) return finish(Result::kBad);
        current_ = Request{static_cast<Command>(b), 0, 0};
        if (current_.command == Command::kReadNonBlocking ||
            current_.command == Command::kReadBlocking) {
          state_ = State::kCount;
        } else if (current_.command == Command::kWrite) {
          state_ = State::kBitsHigh;
        } else {
          *out = current_;
          return finish(Result::kGood);
        }
        break;
      case State::kCount:
        current_.count = b;
        state_ = State::kCommand;
        *out = current_;
        return finish(Result::kGood);
      case State::kBitsHigh:
        current_.claimed_bits = static_cast<uint16_t>(b << 8);
        state_ = State::kBitsLow;
        break;
      case State::kBitsLow:
        current_.claimed_bits = static_cast<uint16_t>(current_.claimed_bits | b);
        state_ = State::kWriteLength;
        break;
      case State::kWriteLength:
        current_.count = b;
        write_remaining_ = b;
        state_ = State::kWriteData;
        if (write_remaining_ == 0) {
          state_ = State::kCommand;
          *out = current_;
          return finish(Result::kGood);
        }
        break;
      case State::kWriteData: {
        // Skip as much payload as is here: the data is discarded, never credited.
        size_t take = std::min(write_remaining_, in.size() - i + 1);
        i += take - 1;
        write_remaining_ -= take;
        if (write_remaining_ == 0) {
          state_ = State::kCommand;
          *out = current_;
          return finish(Result::kGood);
        }
        break;
      }
    }
  }
  return finish(Result::kNeedMore);
}

void EncodeRequest(const Request& request, std::vector<uint8_t>* out) {
  out->push_back(static_cast<uint8_t>(request.command));
  switch (request.command) {
    case Command::kReadNonBlocking:
    case Command::kReadBlocking:
      out->push_back(request.count);
      break;
    case Command::kWrite:
      out->push_back(static_cast<uint8_t>(request.claimed_bits >> 8));
      out->push_back(static_cast<uint8_t>(request.claimed_bits & 0xff));
      out->push_back(request.count);
      out->insert(out->end(), request.count, 0);
      break;
    default:
      break;
  }
}

void EncodeEntropyCount(uint32_t bits, std::vector<uint8_t>* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(bits >> shift));
}

void EncodePid(long pid, std::vector<uint8_t>* out) {
  std::string text = std::to_string(pid);
  out->push_back(static_cast<uint8_t>(text.size()));
  out->insert(out->end(), text.begin(), text.end());
}

}  // namespace egd
