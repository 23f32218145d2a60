// The EGD wire protocol (as spoken by egd.pl, ekeyd and EntropyBroker):
//   00            -> 4 bytes big-endian: entropy bits available
//   01 N          -> 1 byte M <= N, then M bytes (non-blocking read)
//   02 N          -> exactly N bytes (blocking read)
//   03 HH LL N d  -> N bytes of data written by the client (HHLL: claimed bits)
//   04            -> 1 byte length, then the server's pid in ASCII
// RequestParser is a pure incremental state machine: feed it bytes as they
// arrive, in pieces of any size; it never allocates per byte and never blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace egd {

enum class Command : uint8_t {
  kEntropyCount = 0x00,
  kReadNonBlocking = 0x01,
  kReadBlocking = 0x02,
  kWrite = 0x03,
  kPid = 0x04,
};

struct Request {
  Command command = Command::kEntropyCount;
  uint8_t count = 0;          // N of 01, 02 and 03
  uint16_t claimed_bits = 0;  // HHLL of 03; informational only, never credited
};

class RequestParser {
 public:
  enum class Result { kGood, kBad, kNeedMore };

  // Consumes bytes from `in` until one request is complete (kGood, *out set),
  // the input is exhausted (kNeedMore) or a protocol error is found (kBad: the
  // byte at in[*consumed - 1] was an unknown command; the parser must not be
  // fed again). *consumed is how many bytes of `in` were used.
  Result Parse(std::span<const uint8_t> in, size_t* consumed, Request* out);

  // True while part of a request has been consumed but not completed.
  bool mid_request() const { return state_ != State::kCommand; }

 private:
  enum class State { kCommand, kCount, kBitsHigh, kBitsLow, kWriteLength, kWriteData };

  State state_ = State::kCommand;
  Request current_;
  size_t write_remaining_ = 0;
};

// Appends the wire form of `request` (03 with `count` zero bytes of payload).
void EncodeRequest(const Request& request, std::vector<uint8_t>* out);

// Appends the 4-byte big-endian entropy count response.
void EncodeEntropyCount(uint32_t bits, std::vector<uint8_t>* out);

// Appends the 04 response: length byte then ASCII decimal pid.
void EncodePid(long pid, std::vector<uint8_t>* out);

}  // namespace egd
