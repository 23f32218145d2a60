#include "firmware/core/frame_decoder.h"

#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace trng {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Frame(uint16_t seq, const Bytes& payload) {
  Bytes out(kMaxFrameSize);
  out.resize(EncodeDataFrame(seq, payload.data(), payload.size(), out.data()));
  return out;
}

Bytes Line(const std::string& text) {
  Bytes out(kMaxLineSize);
  out.resize(EncodeLine(text.data(), text.size(), out.data()));
  return out;
}

Bytes Payload(uint32_t tag, size_t n = kDevicePayload) {
  Bytes p(n);
  std::mt19937 rng(tag);
  for (auto& b : p) b = static_cast<uint8_t>(rng());
  return p;
}

struct Event {
  bool data;
  uint16_t seq;
  uint32_t lost;
  Bytes bytes;
  std::string text;
  bool operator==(const Event& o) const {
    return data == o.data && seq == o.seq && lost == o.lost && bytes == o.bytes && text == o.text;
  }
};

struct Collector : FrameSink {
  std::vector<Event> events;
  void OnData(uint16_t seq, uint32_t lost, const uint8_t* d, size_t n) override {
    events.push_back({true, seq, lost, Bytes(d, d + n), {}});
  }
  void OnLine(std::string_view text) override {
    events.push_back({false, 0, 0, {}, std::string(text)});
  }
};

void Append(Bytes* to, const Bytes& b) { to->insert(to->end(), b.begin(), b.end()); }

void FeedAll(FrameDecoder& d, const Bytes& b, Collector& c) { d.Feed(b.data(), b.size(), c); }

TEST_CASE("Decoder round trip of frames and lines, whole and byte by byte", "[decoder]") {
  Bytes stream;
  std::vector<Event> want;
  Append(&stream, Line("boot wind-tunnel-trng"));
  want.push_back({false, 0, 0, {}, "boot wind-tunnel-trng"});
  for (uint16_t s = 0; s < 5; ++s) {
    Append(&stream, Frame(s, Payload(s, 1 + s * 15)));
    want.push_back({true, s, 0, Payload(s, 1 + s * 15), {}});
    if (s == 2) {
      Append(&stream, Line("ok on"));
      want.push_back({false, 0, 0, {}, "ok on"});
    }
  }
  FrameDecoder whole;
  Collector a;
  FeedAll(whole, stream, a);
  REQUIRE(a.events == want);
  FrameDecoder bytewise;
  Collector b;
  for (uint8_t byte : stream) bytewise.Feed(&byte, 1, b);
  REQUIRE(b.events == want);
  REQUIRE(bytewise.stats().skipped_bytes == 0);
  REQUIRE(bytewise.stats().frames == 5);
  REQUIRE(bytewise.stats().lines == 2);
  REQUIRE(bytewise.pending() == 0);
}

TEST_CASE("Every single-bit flip of a frame is rejected", "[decoder]") {
  const Bytes good = Frame(7, Payload(1));
  const Bytes next = Frame(8, Payload(2));
  for (size_t bit = 0; bit < good.size() * 8; ++bit) {
    Bytes stream = good;
    stream[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Append(&stream, next);
    FrameDecoder d;
    Collector c;
    FeedAll(d, stream, c);
    INFO("bit " << bit);
    REQUIRE(c.events.size() == 1);
    REQUIRE(c.events[0].bytes == Payload(2));
    REQUIRE(d.stats().skipped_bytes == good.size());
  }
}

TEST_CASE("Every single-bit flip of a line is rejected", "[decoder]") {
  const Bytes good = Line("status on=1 samples=123");
  for (size_t bit = 0; bit < good.size() * 8; ++bit) {
    Bytes stream = good;
    stream[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Append(&stream, Line("ok off"));
    FrameDecoder d;
    Collector c;
    FeedAll(d, stream, c);
    INFO("bit " << bit);
    REQUIRE(c.events.size() == 1);
    REQUIRE(c.events[0].text == "ok off");
  }
}

TEST_CASE("Garbage between frames is skipped and counted", "[decoder]") {
  std::mt19937 rng(42);
  Bytes stream;
  size_t garbage = 0;
  for (uint16_t s = 0; s < 50; ++s) {
    Append(&stream, Frame(s, Payload(s)));
    const size_t n = rng() % 40;
    // worst-case garbage: sync bytes, line starts and plausible headers
    for (size_t i = 0; i < n; ++i) {
      const uint8_t pick[] = {0xEB, 0x90, 'D', '!', '*', 0x20, static_cast<uint8_t>(rng())};
      stream.push_back(pick[rng() % 7]);
    }
    garbage += n;
  }
  FrameDecoder d;
  Collector c;
  FeedAll(d, stream, c);
  REQUIRE(c.events.size() == 50);
  for (uint16_t s = 0; s < 50; ++s) REQUIRE(c.events[s].bytes == Payload(s));
  // Trailing garbage may be held back as a candidate; the rest is counted.
  REQUIRE(d.stats().skipped_bytes + d.pending() == garbage);
  REQUIRE(d.stats().seq_gaps == 0);
}

TEST_CASE("A header promising a long frame does not swallow the frames after it", "[decoder]") {
  Bytes stream = {0xEB, 0x90, 'D', 0x00, 0x00, 64};  // fake header, 64-byte payload
  Append(&stream, Frame(0, Payload(0)));
  Append(&stream, Frame(1, Payload(1)));
  Append(&stream, Frame(2, Payload(2)));
  FrameDecoder d;
  Collector c;
  FeedAll(d, stream, c);
  REQUIRE(c.events.size() == 3);
  REQUIRE(c.events[0].bytes == Payload(0));
  REQUIRE(d.stats().crc_errors == 1);
  REQUIRE(d.stats().skipped_bytes == 6);
}

TEST_CASE("Truncated frames and lines are never emitted", "[decoder]") {
  const Bytes f = Frame(0, Payload(0));
  const Bytes l = Line("version x");
  for (size_t cut = 1; cut < f.size(); ++cut) {
    Bytes stream(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(cut));
    Append(&stream, Bytes(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(cut % l.size())));
    Append(&stream, Frame(1, Payload(1)));
    FrameDecoder d;
    Collector c;
    FeedAll(d, stream, c);
    INFO("cut " << cut);
    REQUIRE(c.events.size() == 1);
    REQUIRE(c.events[0].bytes == Payload(1));
  }
  // a truncated frame at the end is held back, not emitted
  FrameDecoder d;
  Collector c;
  d.Feed(f.data(), f.size() - 1, c);
  REQUIRE(c.events.empty());
  REQUIRE(d.pending() == f.size() - 1);
  d.Feed(&f.back(), 1, c);
  REQUIRE(c.events.size() == 1);
}

TEST_CASE("Sequence gaps and restarts are counted", "[decoder]") {
  Bytes stream;
  for (uint16_t s : {0, 1, 3, 7, 8, 0, 1, 65535, 0}) Append(&stream, Frame(s, Payload(s)));
  FrameDecoder d;
  Collector c;
  FeedAll(d, stream, c);
  REQUIRE(c.events.size() == 9);
  REQUIRE(c.events[2].lost == 1);
  REQUIRE(c.events[3].lost == 3);
  REQUIRE(c.events[5].lost == 0);  // back to 0: restart
  REQUIRE(d.stats().seq_gaps == 2);  // 1->3, 3->7
  REQUIRE(d.stats().lost_frames == 1 + 3);
  REQUIRE(d.stats().seq_restarts == 2);  // 8->0 and 1->65535 (backwards); 65535->0 wraps
  d.Reset();
  c.events.clear();
  Bytes again = Frame(500, Payload(5));
  FeedAll(d, again, c);
  REQUIRE(c.events[0].lost == 0);
}

TEST_CASE("Reset and ResetSequence from inside a callback are safe", "[decoder]") {
  struct Resetter : Collector {
    FrameDecoder* d = nullptr;
    bool full = false;
    void OnLine(std::string_view text) override {
      Collector::OnLine(text);
      if (full) d->Reset(); else d->ResetSequence();
    }
  };
  Bytes stream = Frame(5, Payload(5));
  Append(&stream, Line("ok on"));
  Append(&stream, Frame(9, Payload(9)));
  FrameDecoder d;
  Resetter r;
  r.d = &d;
  FeedAll(d, stream, r);
  REQUIRE(r.events.size() == 3);
  REQUIRE(r.events[2].lost == 0);  // expectation forgotten at the line
  FrameDecoder d2;
  Resetter r2;
  r2.d = &d2;
  r2.full = true;
  FeedAll(d2, stream, r2);
  REQUIRE(r2.events.size() == 2);  // the rest of the piece was dropped
  REQUIRE(d2.pending() == 0);
  FeedAll(d2, Frame(10, Payload(10)), r2);
  REQUIRE(r2.events.size() == 3);
}

TEST_CASE("Fuzz: random garbage, frames and bit errors never yield a foreign payload", "[decoder]") {
  std::mt19937 rng(20240601);
  std::set<Bytes> encoded;
  FrameDecoder d;
  Collector c;
  size_t intact = 0;
  for (int round = 0; round < 4000; ++round) {
    Bytes piece;
    const int kind = static_cast<int>(rng() % 4);
    if (kind == 0) {  // pure garbage
      piece.resize(rng() % 300);
      for (auto& b : piece) b = static_cast<uint8_t>(rng());
    } else {
      const Bytes p = Payload(static_cast<uint32_t>(round), 1 + rng() % kMaxPayload);
      encoded.insert(p);
      piece = kind == 1 ? Line("x" + std::to_string(round)) : Frame(static_cast<uint16_t>(round), p);
      if (kind == 3) {  // corrupt a few bytes
        for (int k = 0; k < 3; ++k) piece[rng() % piece.size()] = static_cast<uint8_t>(rng());
      } else {
        ++intact;
      }
    }
    size_t off = 0;  // feed in random-sized pieces
    while (off < piece.size()) {
      const size_t n = std::min<size_t>(piece.size() - off, 1 + rng() % 50);
      d.Feed(piece.data() + off, n, c);
      off += n;
    }
  }
  size_t data = 0;
  for (const Event& e : c.events) {
    if (!e.data) continue;
    ++data;
    REQUIRE(encoded.count(e.bytes) == 1);
  }
  REQUIRE(c.events.size() >= intact * 9 / 10);  // most intact units survive garbage
  REQUIRE(data > 0);
  REQUIRE(d.pending() <= kMaxLineSize);
}

}  // namespace
}  // namespace trng
