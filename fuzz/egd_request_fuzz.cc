// Fuzzes egd::RequestParser (common/egd_codec.h), the first code to see every
// byte an EGD client sends. Invariants checked, beyond "no crash":
// - Parse never consumes more than it is given; kNeedMore consumes everything
//   and leaves the parser mid-request; kGood leaves it between requests.
// - kBad is exactly one byte, an unknown command byte (> 04), at a request start.
// - Incremental equivalence: the stream fed whole and fed in fuzzer-chosen
//   pieces (possibly empty, possibly one byte each) yields the same requests,
//   ending at the same offsets, and the same final state.
// - Re-encoding: EncodeRequest of each parsed request gives back the bytes it
//   was parsed from (for 03, the header and the payload length; the payload
//   itself is discarded by the parser and encoded as zeros).
#include <cstring>
#include <span>

#include "common/egd_codec.h"
#include "fuzz/fuzz_support.h"

namespace {

using egd::Command;
using egd::Request;
using egd::RequestParser;

struct Outcome {
  std::vector<Request> requests;
  std::vector<size_t> ends;  // stream offset just after each request
  bool bad = false;
  size_t bad_at = 0;  // stream offset of the rejected command byte
  bool mid_request = false;
};

bool Same(const Request& a, const Request& b) {
  return a.command == b.command && a.count == b.count && a.claimed_bits == b.claimed_bits;
}

// Feeds one piece; returns false once the parser rejected the stream.
bool FeedPiece(RequestParser& parser, std::span<const uint8_t> piece, size_t* offset, Outcome* o) {
  {  // an empty piece is a no-op
    size_t used = 1;
    Request r;
    FUZZ_CHECK(parser.Parse({}, &used, &r) == RequestParser::Result::kNeedMore && used == 0);
  }
  while (!piece.empty()) {
    const bool mid_before = parser.mid_request();
    size_t used = SIZE_MAX;
    Request r;
    RequestParser::Result result = parser.Parse(piece, &used, &r);
    FUZZ_CHECK(used <= piece.size());
    if (result == RequestParser::Result::kNeedMore) {
      FUZZ_CHECK(used == piece.size());
      FUZZ_CHECK(parser.mid_request());
    } else if (result == RequestParser::Result::kGood) {
      FUZZ_CHECK(used >= 1);
      FUZZ_CHECK(!parser.mid_request());
      o->requests.push_back(r);
      o->ends.push_back(*offset + used);
    } else {
      FUZZ_CHECK(used == 1 && !mid_before && piece[0] > static_cast<uint8_t>(Command::kPid));
      o->bad = true;
      o->bad_at = *offset;
      return false;
    }
    *offset += used;
    piece = piece.subspan(used);
  }
  return true;
}

Outcome ParseInPieces(std::span<const uint8_t> stream, const std::vector<size_t>& bounds) {
  RequestParser parser;
  Outcome o;
  size_t offset = 0;
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    FUZZ_CHECK(offset == bounds[i]);
    if (!FeedPiece(parser, stream.subspan(bounds[i], bounds[i + 1] - bounds[i]), &offset, &o)) {
      break;
    }
  }
  o.mid_request = parser.mid_request();
  return o;
}

// Each request's wire form is the stream slice it was parsed from.
void CheckReencoding(std::span<const uint8_t> stream, const Outcome& o) {
  size_t start = 0;
  for (size_t i = 0; i < o.requests.size(); ++i) {
    const Request& r = o.requests[i];
    std::vector<uint8_t> wire;
    egd::EncodeRequest(r, &wire);
    FUZZ_CHECK(wire.size() == o.ends[i] - start);
    const size_t compared = r.command == Command::kWrite ? 4 : wire.size();
    FUZZ_CHECK(std::memcmp(wire.data(), stream.data() + start, compared) == 0);
    if (r.command == Command::kEntropyCount || r.command == Command::kPid) {
      FUZZ_CHECK(r.count == 0 && r.claimed_bits == 0);
    }
    start = o.ends[i];
  }
  // Everything after the last request is the rejected byte or an unfinished request.
  if (o.bad) {
    FUZZ_CHECK(o.bad_at == start);
  } else {
    FUZZ_CHECK(o.mid_request == (start < stream.size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  egd_fuzz::Cuts cuts(fdp);
  std::vector<uint8_t> stream = fdp.ConsumeRemainingBytes<uint8_t>();

  Outcome whole = ParseInPieces(stream, {0, stream.size()});
  Outcome pieces = ParseInPieces(stream, cuts.Resolve(stream.size()));

  FUZZ_CHECK(whole.requests.size() == pieces.requests.size());
  for (size_t i = 0; i < whole.requests.size(); ++i) {
    FUZZ_CHECK(Same(whole.requests[i], pieces.requests[i]));
    FUZZ_CHECK(whole.ends[i] == pieces.ends[i]);
  }
  FUZZ_CHECK(whole.bad == pieces.bad && whole.bad_at == pieces.bad_at);
  FUZZ_CHECK(whole.mid_request == pieces.mid_request);
  CheckReencoding(stream, whole);
  return 0;
}
