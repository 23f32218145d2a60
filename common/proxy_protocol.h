// PROXY protocol version 1 (HAProxy's text header, sent by stunnel's
// `protocol = proxy`): "PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n" or
// "PROXY UNKNOWN ...\r\n", at most 107 bytes, before any payload.
// ProxyHeaderParser is a pure incremental state machine like the EGD parser:
// feed bytes as they arrive; it consumes exactly the header and no payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace egd {

struct ProxyHeader {
  bool known = false;          // false for "PROXY UNKNOWN": use the real peer
  std::string source_address;  // "192.0.2.7" or "2001:db8::7"
  uint16_t source_port = 0;
};

class ProxyHeaderParser {
 public:
  enum class Result { kGood, kBad, kNeedMore };
  static constexpr size_t kMaxHeader = 107;

  // Consumes header bytes from `in`; *consumed says how many. kGood fills *out
  // (bytes after *consumed are payload); kBad carries a reason in error().
  Result Parse(std::span<const uint8_t> in, size_t* consumed, ProxyHeader* out);
  const std::string& error() const { return error_; }

 private:
  Result Finish(ProxyHeader* out);
  Result Bad(std::string why);

  std::string line_;
  std::string error_;
};

}  // namespace egd
