#include "common/egd_client.h"

#include <catch2/catch.hpp>
#include <numeric>

namespace egd {
namespace {

using Done = ReadPlanner::Done;

std::vector<uint8_t> Seq(uint8_t first, size_t n) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

size_t Sum(const std::vector<uint8_t>& counts) {
  return std::accumulate(counts.begin(), counts.end(), size_t{0});
}

TEST_CASE("a large read is split into 02 requests of at most 255 bytes") {
  ReadPlanner p;
  std::vector<Done> done;
  p.Add(600, &done);
  CHECK(done.empty());
  std::vector<uint8_t> plan = p.Plan(1 << 20);
  CHECK(plan == std::vector<uint8_t>{255, 255, 90});
  CHECK(p.outstanding() == 600);
  CHECK(p.Plan(1 << 20).empty());  // nothing more until bytes arrive
}

TEST_CASE("requests in flight are capped by max_outstanding") {
  ReadPlanner p;
  std::vector<Done> done;
  p.Add(1000, &done);
  CHECK(Sum(p.Plan(300)) == 300);
  p.OnBytes(Seq(0, 100), &done);
  CHECK(Sum(p.Plan(300)) == 100);
  CHECK(p.outstanding() == 300);
}

TEST_CASE("bytes go to reads in order, split across reads as they arrive") {
  ReadPlanner p;
  std::vector<Done> done;
  uint64_t a = p.Add(3, &done);
  uint64_t b = p.Add(2, &done);
  p.Plan(100);
  p.OnBytes(Seq(10, 4), &done);
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == a);
  CHECK(done[0].bytes == SecureBytes{10, 11, 12});
  CHECK(p.received(b) == 1);
  p.OnBytes(Seq(14, 1), &done);
  REQUIRE(done.size() == 2);
  CHECK(done[1].id == b);
  CHECK(done[1].bytes == SecureBytes{13, 14});
  CHECK(p.need() == 0);
  CHECK(p.outstanding() == 0);
}

TEST_CASE("a cancelled read's bytes and requests serve the next reads, never twice") {
  ReadPlanner p;
  std::vector<Done> done;
  uint64_t a = p.Add(10, &done);
  uint64_t b = p.Add(4, &done);
  CHECK(Sum(p.Plan(100)) == 14);
  p.OnBytes(Seq(0, 6), &done);  // a has 6
  CHECK(p.Cancel(a, &done) == 6);
  REQUIRE(done.size() == 1);  // b takes 4 of a's bytes
  CHECK(done[0].id == b);
  CHECK(done[0].bytes == SecureBytes{0, 1, 2, 3});
  CHECK(p.spare() == 2);
  // 8 bytes requested for a are still in flight: a new read of 5 needs no new request.
  done.clear();
  uint64_t c = p.Add(5, &done);
  CHECK(p.need() == 3);
  CHECK(p.Plan(100).empty());
  p.OnBytes(Seq(6, 8), &done);
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == c);
  CHECK(done[0].bytes == SecureBytes{4, 5, 6, 7, 8});
  CHECK(p.spare() == 5);
}

TEST_CASE("spare bytes complete a new read at once") {
  ReadPlanner p;
  std::vector<Done> done;
  uint64_t a = p.Add(4, &done);
  p.Plan(100);
  p.Cancel(a, &done);
  p.OnBytes(Seq(1, 4), &done);
  CHECK(done.empty());
  uint64_t b = p.Add(3, &done);
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == b);
  CHECK(done[0].bytes == SecureBytes{1, 2, 3});
  CHECK(p.spare() == 1);
}

TEST_CASE("reset forgets reads and requests") {
  ReadPlanner p;
  std::vector<Done> done;
  uint64_t a = p.Add(5, &done);
  uint64_t b = p.Add(5, &done);
  p.Plan(100);
  CHECK(p.Reset() == std::vector<uint64_t>{a, b});
  CHECK(p.need() == 0);
  CHECK(p.outstanding() == 0);
  CHECK(p.Cancel(a, &done) == 0);
}

}  // namespace
}  // namespace egd
