// The status view's bit balance and byte histogram (pure parts): counts over
// a sample of tested bytes, and the parser of egdd's answers to the
// non-blocking reads that fetch it. The bytes themselves are never kept:
// httpd/sample_reader.h holds them in secure memory, tallies them here and
// wipes them; only the counts (ByteCounts) outlive the read.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

namespace httpd {

struct ByteCounts {
  uint64_t bytes = 0;
  uint64_t ones = 0;                     // one bits among bytes * 8
  std::array<uint64_t, 256> histogram{};  // occurrences of each byte value

  void Add(std::span<const uint8_t> data);
  double OnesFraction() const;  // 0 when empty
  // Pearson's chi-square of the histogram against the uniform distribution
  // (255 degrees of freedom; about 255 ± 23 for random bytes); 0 when empty.
  double ChiSquare() const;
  // {"bytes", "ones", "ones_fraction", "chi_square", "histogram": [256 counts]}
  nlohmann::json Json() const;
};

// The `01 N` requests that ask for `total` bytes (N <= 255 each); their
// encoded bytes, concatenated.
std::vector<uint8_t> NonBlockingRequests(size_t total);
size_t NonBlockingRequestCount(size_t total);

// egdd's answers to `count` pipelined `01 N` requests: each a length byte M,
// then M bytes. Incremental: feed bytes as they arrive; the payload bytes are
// handed to `sink` (where they go is the caller's: secure memory), the length
// bytes never leave the parser.
class NonBlockingReplies {
 public:
  explicit NonBlockingReplies(size_t count) : remaining_(count) {}

  // Consumes `in`; calls sink(payload piece) for payload bytes. Returns the
  // number of bytes used: less than in.size() only once done() (egdd sends
  // nothing unasked, so extra bytes mean a confused peer).
  template <typename Sink>
  size_t Feed(std::span<const uint8_t> in, Sink&& sink) {
    size_t i = 0;
    while (i < in.size() && !done()) {
      if (payload_left_ == 0) {
        payload_left_ = in[i++];
        if (payload_left_ == 0) --remaining_;
        continue;
      }
      size_t n = std::min(payload_left_, in.size() - i);
      sink(in.subspan(i, n));
      i += n;
      payload_left_ -= n;
      if (payload_left_ == 0) --remaining_;
    }
    return i;
  }
  bool done() const { return remaining_ == 0 && payload_left_ == 0; }

 private:
  size_t remaining_;
  size_t payload_left_ = 0;
};

}  // namespace httpd
