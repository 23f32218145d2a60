// Fuzzes egd::ProxyHeaderParser (common/proxy_protocol.h): the PROXY v1 header
// stunnel puts before each EGD connection on a `proxy:` listener. Invariants:
// - Parse never consumes more than given; kNeedMore consumes everything and
//   never after kMaxHeader bytes; kGood consumes exactly a header, which
//   starts with "PROXY ", ends with "\r\n" and is at most kMaxHeader bytes, and
//   no payload byte after it; kBad gives a reason.
// - A known source address is a clean numeric address: no NUL or other
//   hidden byte, and it appears verbatim in the header (egdd logs it and
//   rate-limits by it).
// - Incremental equivalence: whole and fuzzer-chosen pieces give the same result.
#include <arpa/inet.h>

#include <span>
#include <string>
#include <string_view>

#include "common/proxy_protocol.h"
#include "fuzz/fuzz_support.h"

namespace {

using egd::ProxyHeader;
using egd::ProxyHeaderParser;

struct Outcome {
  ProxyHeaderParser::Result result = ProxyHeaderParser::Result::kNeedMore;
  size_t consumed = 0;  // stream bytes used
  ProxyHeader header;
  std::string error;
};

Outcome ParseInPieces(std::span<const uint8_t> stream, const std::vector<size_t>& bounds) {
  ProxyHeaderParser parser;
  Outcome o;
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    std::span<const uint8_t> piece = stream.subspan(bounds[i], bounds[i + 1] - bounds[i]);
    size_t used = SIZE_MAX;
    o.result = parser.Parse(piece, &used, &o.header);
    FUZZ_CHECK(used <= piece.size());
    o.consumed += used;
    if (o.result != ProxyHeaderParser::Result::kNeedMore) {
      o.error = parser.error();
      break;
    }
    FUZZ_CHECK(used == piece.size());
  }
  return o;
}

bool IsNumericAddress(const std::string& text) {
  unsigned char buf[16];
  if (text.find('\0') != std::string::npos) return false;
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

void CheckOutcome(std::span<const uint8_t> stream, const Outcome& o) {
  std::string_view consumed(reinterpret_cast<const char*>(stream.data()), o.consumed);
  switch (o.result) {
    case ProxyHeaderParser::Result::kNeedMore:
      FUZZ_CHECK(o.consumed == stream.size() && o.consumed < ProxyHeaderParser::kMaxHeader);
      break;
    case ProxyHeaderParser::Result::kBad:
      FUZZ_CHECK(!o.error.empty());
      FUZZ_CHECK(o.consumed >= 1 && o.consumed <= ProxyHeaderParser::kMaxHeader);
      break;
    case ProxyHeaderParser::Result::kGood:
      FUZZ_CHECK(consumed.starts_with("PROXY ") && consumed.ends_with("\r\n"));
      FUZZ_CHECK(consumed.size() <= ProxyHeaderParser::kMaxHeader);
      // The header ends at its first CRLF: no payload byte is taken.
      FUZZ_CHECK(consumed.find("\r\n") == consumed.size() - 2);
      if (o.header.known) {
        FUZZ_CHECK(IsNumericAddress(o.header.source_address));
        FUZZ_CHECK(consumed.find(" " + o.header.source_address + " ") != std::string_view::npos);
      } else {
        FUZZ_CHECK(o.header.source_address.empty() && o.header.source_port == 0);
      }
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  egd_fuzz::Cuts cuts(fdp);
  std::vector<uint8_t> stream = fdp.ConsumeRemainingBytes<uint8_t>();

  Outcome whole = ParseInPieces(stream, {0, stream.size()});
  Outcome pieces = ParseInPieces(stream, cuts.Resolve(stream.size()));
  CheckOutcome(stream, whole);
  FUZZ_CHECK(whole.result == pieces.result && whole.consumed == pieces.consumed);
  FUZZ_CHECK(whole.error == pieces.error);
  FUZZ_CHECK(whole.header.known == pieces.header.known);
  FUZZ_CHECK(whole.header.source_address == pieces.header.source_address);
  FUZZ_CHECK(whole.header.source_port == pieces.header.source_port);
  return 0;
}
