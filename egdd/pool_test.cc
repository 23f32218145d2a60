#include "egdd/pool.h"

#include <catch2/catch.hpp>
#include <numeric>

namespace egdd {
namespace {

std::vector<uint8_t> Seq(size_t n, uint8_t start = 0) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST_CASE("bytes leave in order, once, across the ring's wrap") {
  Pool pool(10);
  auto data = Seq(8);
  CHECK(pool.Add(data) == 8);
  std::vector<uint8_t> out;
  CHECK(pool.Take(5, &out) == 5);
  auto more = Seq(7, 8);
  CHECK(pool.Add(more) == 7);  // 3 left + 7 = full, wraps
  CHECK(pool.Add(more) == 0);  // full: nothing taken
  CHECK(pool.Take(100, &out) == 10);
  CHECK(out == Seq(15));
  CHECK(pool.size() == 0);
}

TEST_CASE("blocking reads are served whole, FIFO, and reserve bytes") {
  Pool pool(100);
  std::vector<std::pair<int, std::vector<uint8_t>>> got;
  std::vector<uint8_t> out;
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
  auto more = Seq(6, 4);
  pool.Add(more);
  REQUIRE(got.size() == 2);
  CHECK(got[0] == std::make_pair(1, Seq(5)));
  CHECK(got[1] == std::make_pair(2, Seq(3, 5)));
  CHECK(pool.size() == 2);
  CHECK(pool.reserved() == 0);
}

TEST_CASE("a queued reader is not overtaken by a new one") {
  Pool pool(100);
  std::vector<uint8_t> out;
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
  std::vector<uint8_t> out;
  std::vector<int> order;
  std::function<Pool::Delivery(int)> make = [&](int who) -> Pool::Delivery {
    return [&, who](std::span<const uint8_t> b) {
      CHECK(b.size() == 10);
      order.push_back(who);
      std::vector<uint8_t> sink;
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
  pool.Resize(4);
  std::vector<uint8_t> out;
  pool.Take(10, &out);
  CHECK(out == Seq(4, 6));
}

}  // namespace
}  // namespace egdd
