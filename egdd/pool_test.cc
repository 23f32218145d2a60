#include "egdd/pool.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <numeric>

namespace egdd {
namespace {

using egd::SecureBytes;

SecureBytes Seq(size_t n, uint8_t start = 1) {
  SecureBytes v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

// Bytes of the ring that are not zero (every stored byte here is non-zero).
size_t NonZero(const Pool& pool) {
  auto ring = pool.ring();
  return static_cast<size_t>(std::count_if(ring.begin(), ring.end(), [](uint8_t b) { return b; }));
}

TEST_CASE("bytes leave in order, once, across the ring's wrap") {
  Pool pool(10);
  auto data = Seq(8);
  CHECK(pool.Add(data) == 8);
  SecureBytes out;
  CHECK(pool.Take(5, &out) == 5);
  auto more = Seq(7, 9);
  CHECK(pool.Add(more) == 7);  // 3 left + 7 = full, wraps
  CHECK(pool.Add(more) == 0);  // full: nothing taken
  CHECK(pool.Take(100, &out) == 10);
  CHECK(out == Seq(15));
  CHECK(pool.size() == 0);
}

TEST_CASE("bytes taken are wiped from the ring") {
  Pool pool(10);
  auto data = Seq(8);
  pool.Add(data);
  SecureBytes out;
  pool.Take(5, &out);
  CHECK(NonZero(pool) == 3);
  auto more = Seq(6, 100);
  pool.Add(more);  // wraps
  CHECK(NonZero(pool) == 9);
  pool.Take(4, &out);
  CHECK(NonZero(pool) == 5);
}

TEST_CASE("Clear wipes every stored byte and keeps waiters") {
  Pool pool(64);
  auto data = Seq(40);
  pool.Add(data);
  SecureBytes out;
  pool.Take(30, &out);
  auto more = Seq(40, 50);
  pool.Add(more);  // 50 stored, across the wrap
  int delivered = 0;
  CHECK_FALSE(pool.TryTakeOrWait(7, 60, &out, [&](auto) { ++delivered; }));
  REQUIRE(NonZero(pool) == 50);
  pool.Clear();
  CHECK(pool.size() == 0);
  CHECK(NonZero(pool) == 0);
  CHECK(pool.waiting() == 1);
  CHECK(pool.reserved() == 60);
  auto fresh = Seq(60, 200);
  pool.Add(fresh);
  CHECK(delivered == 1);
}

TEST_CASE("a halted pool wipes, serves nothing, keeps blocked readers queued until resumed") {
  Pool pool(100);
  auto data = Seq(50);
  pool.Add(data);
  std::vector<SecureBytes> got;
  auto deliver = [&](std::span<const uint8_t> b) { got.emplace_back(b.begin(), b.end()); };
  pool.Halt();
  CHECK(pool.halted());
  CHECK(pool.size() == 0);
  CHECK(NonZero(pool) == 0);
  SecureBytes out;
  CHECK(pool.Take(10, &out) == 0);
  CHECK_FALSE(pool.TryTakeOrWait(1, 10, &out, deliver));
  CHECK(out.empty());
  CHECK(pool.Add(data) == 0);  // nothing enters while halted
  CHECK(got.empty());
  CHECK(pool.waiting() == 1);
  pool.Resume();
  CHECK(got.empty());  // still nothing stored
  auto fresh = Seq(20, 100);
  CHECK(pool.Add(fresh) == 20);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == Seq(10, 100));  // fresh bytes, never the ones stored before the halt
  CHECK(pool.Take(100, &out) == 10);
  CHECK(out == Seq(10, 110));
}

TEST_CASE("blocking reads are served whole, FIFO, and reserve bytes") {
  Pool pool(100);
  std::vector<std::pair<int, SecureBytes>> got;
  SecureBytes out;
  auto deliver = [&](int who) {
    return [&got, who](std::span<const uint8_t> b) { got.push_back({who, {b.begin(), b.end()}}); };
  };
  CHECK_FALSE(pool.TryTakeOrWait(1, 5, &out, deliver(1)));
  CHECK_FALSE(pool.TryTakeOrWait(2, 3, &out, deliver(2)));
  CHECK(pool.reserved() == 8);
  auto data = Seq(4);
  pool.Add(data);  // 4 < 5: the head waits, the second does not jump the queue
  CHECK(got.empty());
  CHECK(pool.Take(10, &out) == 0);  // all reserved
  auto more = Seq(6, 5);
  pool.Add(more);
  REQUIRE(got.size() == 2);
  CHECK(got[0] == std::make_pair(1, Seq(5)));
  CHECK(got[1] == std::make_pair(2, Seq(3, 6)));
  CHECK(pool.size() == 2);
  CHECK(pool.reserved() == 0);
}

TEST_CASE("a queued reader is not overtaken by a new one") {
  Pool pool(100);
  SecureBytes out;
  int delivered = 0;
  CHECK_FALSE(pool.TryTakeOrWait(1, 50, &out, [&](auto) { ++delivered; }));
  auto data = Seq(10);
  pool.Add(data);
  CHECK_FALSE(pool.TryTakeOrWait(2, 5, &out, [&](auto) { ++delivered; }));
  CHECK(out.empty());
  pool.Cancel(1);
  CHECK(pool.reserved() == 5);
}

TEST_CASE("readers that queue again from their delivery alternate round-robin") {
  Pool pool(100);
  SecureBytes out;
  std::vector<int> order;
  std::function<Pool::Delivery(int)> make = [&](int who) -> Pool::Delivery {
    return [&, who](std::span<const uint8_t> b) {
      CHECK(b.size() == 10);
      order.push_back(who);
      SecureBytes sink;
      CHECK_FALSE(pool.TryTakeOrWait(who, 10, &sink, make(who)));
    };
  };
  CHECK_FALSE(pool.TryTakeOrWait(1, 10, &out, make(1)));
  CHECK_FALSE(pool.TryTakeOrWait(2, 10, &out, make(2)));
  auto data = Seq(50);
  pool.Add(data);
  CHECK(order == std::vector<int>{1, 2, 1, 2, 1});
  CHECK(pool.size() == 0);
  CHECK(pool.waiting() == 2);
}

TEST_CASE("resize keeps stored bytes that fit") {
  Pool pool(10);
  auto data = Seq(10);
  pool.Add(data);
  pool.Resize(SecureBytes(4));
  CHECK(pool.capacity() == 4);
  CHECK(NonZero(pool) == 4);
  SecureBytes out;
  pool.Take(10, &out);
  CHECK(out == Seq(4, 7));
}

TEST_CASE("resize across the ring's wrap keeps order; growing keeps everything") {
  Pool pool(10);
  auto data = Seq(8);
  pool.Add(data);
  SecureBytes out;
  pool.Take(6, &out);
  auto more = Seq(6, 9);  // 2 left + 6: wraps
  pool.Add(more);
  pool.Resize(SecureBytes(20));
  out.clear();
  pool.Take(100, &out);
  CHECK(out == Seq(8, 7));
}

TEST_CASE("resize calls on_take once, after the new ring is in place, and serves waiters") {
  Pool pool(1000);
  auto data = Seq(200);
  pool.Add(data);
  std::vector<std::pair<size_t, size_t>> seen;  // (capacity, free) at each on_take
  pool.set_on_take([&] { seen.emplace_back(pool.capacity(), pool.free()); });
  SecureBytes out;
  CHECK(pool.TryTakeOrWait(1, 150, &out, [](std::span<const uint8_t>) {}));
  seen.clear();
  size_t delivered = 0;
  CHECK_FALSE(pool.TryTakeOrWait(2, 100, &out, [&](std::span<const uint8_t> b) {
    delivered = b.size();
  }));
  pool.Resize(SecureBytes(300));
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].first == 300);
  CHECK(seen[0].second == 250);  // 50 kept; too few for the waiter, who stays queued
  CHECK(delivered == 0);
  auto fill = Seq(50, 1);
  pool.Add(fill);  // 100 now: the waiter gets them
  CHECK(delivered == 100);
}

TEST_CASE("a blocking read is served whole from one lane, the lanes taking turns") {
  Pool pool(1000);
  Pool::LaneId b = pool.AddLane(SecureBytes(1000));
  pool.Add(Seq(30, 1));       // lane 0: 1..30
  pool.Add(Seq(30, 101), b);  // lane b: 101..130
  SecureBytes out;
  std::vector<SecureBytes> got;
  auto keep = [&](std::span<const uint8_t> d) { got.emplace_back(d.begin(), d.end()); };
  // 40 bytes are there in all, but no lane has 40: the reader waits.
  CHECK_FALSE(pool.TryTakeOrWait(1, 40, &out, keep));
  CHECK(pool.Take(100, &out) == 20);  // only what is not reserved
  pool.Add(Seq(30, 201), b);          // lane b now holds 40 or more
  REQUIRE(got.size() == 1);
  CHECK(got[0].size() == 40);
  // Whole and in order within lane b: no byte of lane 0 (values below 100).
  CHECK(std::all_of(got[0].begin(), got[0].end(), [](uint8_t v) { return v > 100; }));
  CHECK(std::is_sorted(got[0].begin(), got[0].begin() + 20));
  // Turns: two reads of 5 come from different lanes.
  pool.Add(Seq(50, 1));
  SecureBytes x, y;
  CHECK(pool.TryTakeOrWait(2, 5, &x, keep));
  CHECK(pool.TryTakeOrWait(3, 5, &y, keep));
  CHECK((x[0] < 100) != (y[0] < 100));
}

TEST_CASE("halting one lane wipes and stops it alone; the others keep serving") {
  Pool pool(1000);
  Pool::LaneId b = pool.AddLane(SecureBytes(1000));
  pool.Add(Seq(100, 1));
  pool.Add(Seq(100, 101), b);
  pool.Halt(0);
  CHECK(NonZero(pool) == 0);  // lane 0's ring
  CHECK(pool.size() == 100);
  CHECK_FALSE(pool.halted());
  CHECK(pool.Add(Seq(10)) == 0);
  SecureBytes out;
  CHECK(pool.TryTakeOrWait(1, 50, &out, [](std::span<const uint8_t>) {}));
  CHECK(out[0] == 101);
  pool.Halt(b);
  CHECK(pool.halted());
  size_t delivered = 0;
  CHECK_FALSE(pool.TryTakeOrWait(2, 10, &out, [&](std::span<const uint8_t> d) {
    delivered = d.size();
  }));
  pool.Resume(0);
  pool.Add(Seq(10));
  CHECK(delivered == 10);
}

TEST_CASE("a removed lane is wiped and ignored") {
  Pool pool(1000);
  Pool::LaneId b = pool.AddLane(SecureBytes(500));
  pool.Add(Seq(100, 1), b);
  CHECK(pool.capacity() == 1500);
  pool.RemoveLane(b);
  CHECK(pool.size() == 0);
  CHECK(pool.capacity() == 1000);
  CHECK(pool.Add(Seq(10), b) == 0);
  pool.Resume(b);
  CHECK(pool.halted(b));
}

TEST_CASE("the ring is secure memory") {
  size_t before = egd::GetSecureMemoryStats().in_use_bytes;
  Pool pool(100000);
  CHECK(egd::GetSecureMemoryStats().in_use_bytes >= before + 100000);
}

}  // namespace
}  // namespace egdd
