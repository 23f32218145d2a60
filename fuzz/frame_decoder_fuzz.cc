// Fuzzes trng::FrameDecoder (firmware/core/frame_decoder.h), egdd's parser of
// the serial device's byte stream. The sink behaves as egdd's SerialSource
// does: a "boot ..." line resets the expected sequence number from inside the
// callback. Two modes, picked by a control byte:
//
// raw: the stream is arbitrary bytes. Invariants:
// - incremental equivalence: fed whole and fed in fuzzer-chosen pieces, the
//   decoder emits the same frames and lines in the same order, with the same
//   statistics and the same held-back tail;
// - every emitted payload is 1..64 bytes and every line's text is allowed
//   text of at most 200 characters;
// - memory stays bounded: at most one maximal line is held back;
// - byte accounting: every input byte is emitted, skipped or held back.
//
// built: the stream is made of valid frames and lines (the firmware's own
// encoders) with garbage between them that cannot start a unit (no EB, no
// '!'). Invariants: the decoder emits exactly the encoded units, in order;
// skipped bytes are exactly the garbage; no CRC error, no bad line, nothing held.
#include <string>

#include "firmware/core/frame.h"
#include "firmware/core/frame_decoder.h"
#include "fuzz/fuzz_support.h"

namespace {

struct Event {
  bool is_line = false;
  uint16_t seq = 0;
  uint32_t lost_before = 0;
  std::string bytes;  // payload or line text

  bool operator==(const Event& o) const {
    return is_line == o.is_line && seq == o.seq && lost_before == o.lost_before && bytes == o.bytes;
  }
};

class Recorder final : public trng::FrameSink {
 public:
  explicit Recorder(trng::FrameDecoder& decoder) : decoder_(decoder) {}

  void OnData(uint16_t seq, uint32_t lost_before, const uint8_t* data, size_t n) override {
    FUZZ_CHECK(n >= 1 && n <= trng::kMaxPayload);
    FUZZ_CHECK(lost_before < 0x8000);
    events.push_back({false, seq, lost_before, std::string(reinterpret_cast<const char*>(data), n)});
  }
  void OnLine(std::string_view text) override {
    FUZZ_CHECK(text.size() <= trng::kMaxLineText);
    for (char c : text) FUZZ_CHECK(trng::IsLineTextChar(static_cast<uint8_t>(c)));
    events.push_back({true, 0, 0, std::string(text)});
    if (text.substr(0, 5) == "boot ") decoder_.ResetSequence();  // as egdd does
  }

  std::vector<Event> events;

 private:
  trng::FrameDecoder& decoder_;
};

struct Outcome {
  std::vector<Event> events;
  trng::DecoderStats stats;
  size_t pending = 0;
};

Outcome Decode(const std::vector<uint8_t>& stream, const std::vector<size_t>& bounds) {
  trng::FrameDecoder decoder;
  Recorder sink(decoder);
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    decoder.Feed(stream.data() + bounds[i], bounds[i + 1] - bounds[i], sink);
    FUZZ_CHECK(decoder.pending() < trng::kMaxLineSize);
  }
  return {sink.events, decoder.stats(), decoder.pending()};
}

bool SameStats(const trng::DecoderStats& a, const trng::DecoderStats& b) {
  return a.frames == b.frames && a.payload_bytes == b.payload_bytes && a.lines == b.lines &&
         a.skipped_bytes == b.skipped_bytes && a.crc_errors == b.crc_errors &&
         a.bad_lines == b.bad_lines && a.seq_gaps == b.seq_gaps &&
         a.lost_frames == b.lost_frames && a.seq_restarts == b.seq_restarts;
}

// Counters agree with the events, and every byte is accounted for. A line's
// "\r" is optional, so a line takes its minimal size or one byte more.
void CheckAccounting(size_t fed, const Outcome& o) {
  uint64_t frames = 0, payload = 0, lines = 0, line_bytes = 0;
  for (const Event& e : o.events) {
    if (e.is_line) {
      ++lines;
      line_bytes += 1 + e.bytes.size() + 1 + 8 + 1;
    } else {
      ++frames;
      payload += e.bytes.size();
    }
  }
  FUZZ_CHECK(o.stats.frames == frames && o.stats.payload_bytes == payload && o.stats.lines == lines);
  const uint64_t frame_bytes = payload + frames * (trng::kHeaderSize + trng::kCrcSize);
  const uint64_t used = fed - o.pending - o.stats.skipped_bytes;
  FUZZ_CHECK(o.pending + o.stats.skipped_bytes <= fed);
  FUZZ_CHECK(used >= frame_bytes + line_bytes && used <= frame_bytes + line_bytes + lines);
}

void CheckEquivalent(const Outcome& a, const Outcome& b) {
  FUZZ_CHECK(a.events == b.events);
  FUZZ_CHECK(SameStats(a.stats, b.stats));
  FUZZ_CHECK(a.pending == b.pending);
}

// Builds a stream of valid units and garbage from the fuzzer's bytes; *expected
// gets the events the decoder must emit, *garbage the bytes it must skip.
std::vector<uint8_t> Build(FuzzedDataProvider& fdp, std::vector<Event>* expected, size_t* garbage) {
  std::vector<uint8_t> stream;
  uint8_t unit[trng::kMaxLineSize > trng::kMaxFrameSize ? trng::kMaxLineSize : trng::kMaxFrameSize];
  while (fdp.remaining_bytes() > 0) {
    switch (fdp.ConsumeIntegralInRange<int>(0, 2)) {
      case 0: {  // garbage that cannot start a frame or a line
        std::vector<uint8_t> g = fdp.ConsumeBytes<uint8_t>(fdp.ConsumeIntegralInRange<size_t>(1, 16));
        for (uint8_t& b : g) {
          if (b == trng::kSync0 || b == static_cast<uint8_t>(trng::kLineStart)) ++b;
        }
        stream.insert(stream.end(), g.begin(), g.end());
        *garbage += g.size();
        break;
      }
      case 1: {
        const uint16_t seq = fdp.ConsumeIntegral<uint16_t>();
        const size_t n = fdp.ConsumeIntegralInRange<size_t>(1, trng::kMaxPayload);
        std::vector<uint8_t> payload = fdp.ConsumeBytes<uint8_t>(n);
        payload.resize(n);
        size_t len = trng::EncodeDataFrame(seq, payload.data(), n, unit);
        stream.insert(stream.end(), unit, unit + len);
        expected->push_back({false, seq, 0, std::string(payload.begin(), payload.end())});
        break;
      }
      default: {
        std::string text = fdp.ConsumeRandomLengthString(trng::kMaxLineText);
        size_t len = trng::EncodeLine(text.data(), text.size(), unit);
        for (char& c : text) {
          if (!trng::IsLineTextChar(static_cast<uint8_t>(c))) c = '?';
        }
        stream.insert(stream.end(), unit, unit + len);
        expected->push_back({true, 0, 0, text});
        break;
      }
    }
  }
  return stream;
}

void CheckBuilt(const Outcome& o, const std::vector<Event>& expected, size_t garbage) {
  FUZZ_CHECK(o.events.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    FUZZ_CHECK(o.events[i].is_line == expected[i].is_line);
    FUZZ_CHECK(o.events[i].seq == expected[i].seq && o.events[i].bytes == expected[i].bytes);
  }
  FUZZ_CHECK(o.stats.skipped_bytes == garbage);
  FUZZ_CHECK(o.stats.crc_errors == 0 && o.stats.bad_lines == 0 && o.pending == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  egd_fuzz::Cuts cuts(fdp);
  const bool built = fdp.ConsumeIntegral<uint8_t>() & 1;
  std::vector<Event> expected;
  size_t garbage = 0;
  std::vector<uint8_t> stream =
      built ? Build(fdp, &expected, &garbage) : fdp.ConsumeRemainingBytes<uint8_t>();

  Outcome whole = Decode(stream, {0, stream.size()});
  Outcome pieces = Decode(stream, cuts.Resolve(stream.size()));
  CheckEquivalent(whole, pieces);
  CheckAccounting(stream.size(), whole);
  if (built) CheckBuilt(whole, expected, garbage);
  return 0;
}
