// SPDX-License-Identifier: Apache-2.0
#include "feed/mix.h"

#include <sodium.h>

#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

namespace feed {
namespace {

using std::chrono::milliseconds;

egd::SecureBytes Bytes(size_t n, uint8_t first, uint8_t step = 1) {
  egd::SecureBytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(first + step * i);
  return b;
}

TEST_CASE("mix: deterministic, the input's size, and every input matters") {
  REQUIRE(sodium_init() >= 0);
  for (size_t n : {1, 63, 64, 65, 200, 4096}) {
    egd::SecureBytes a = Bytes(n, 1), b = Bytes(n, 7, 3);
    egd::SecureBytes m = MixInputs({&a, &b});
    CHECK(m.size() == n);
    CHECK(m == MixInputs({&a, &b}));
    CHECK(m != a);
    CHECK(m != b);
    // Changing one byte of either input, in any block, changes that block.
    for (egd::SecureBytes* in : {&a, &b}) {
      egd::SecureBytes saved = *in;
      (*in)[n - 1] ^= 1;
      egd::SecureBytes changed = MixInputs({&a, &b});
      size_t block = (n - 1) / kMixBlock * kMixBlock;
      CHECK(!std::equal(changed.begin() + block, changed.end(), m.begin() + block));
      *in = saved;
    }
  }
}

TEST_CASE("mix: a malicious input equal to the honest one, or all zero, does not pass through") {
  egd::SecureBytes honest = Bytes(128, 42, 5);
  egd::SecureBytes zero(128, 0);
  egd::SecureBytes same = honest;
  CHECK(MixInputs({&honest, &zero}) != honest);
  CHECK(MixInputs({&honest, &same}) != honest);
  CHECK(MixInputs({&zero, &zero}) != zero);
  // Order, count and blocks are bound: no block repeats, swapping inputs differs.
  CHECK(MixInputs({&honest, &zero}) != MixInputs({&zero, &honest}));
  CHECK(MixInputs({&honest}) != MixInputs({&honest, &honest}));
  egd::SecureBytes m = MixInputs({&zero, &zero});
  CHECK(!std::equal(m.begin(), m.begin() + 64, m.begin() + 64));
}

TEST_CASE("mix: one input (short of hosts) is still hashed") {
  egd::SecureBytes a = Bytes(64, 9);
  egd::SecureBytes m = MixInputs({&a});
  CHECK(m.size() == 64);
  CHECK(m != a);
}

TEST_CASE("mix: a known answer, so the construction cannot change unnoticed") {
  // BLAKE2b-512("egd-feed mix v1" || LE64(2) || LE64(3) || LE64(0) || "abc" || "xyz")
  egd::SecureBytes a{'a', 'b', 'c'}, b{'x', 'y', 'z'};
  unsigned char want[64];
  std::string msg = "egd-feed mix v1";
  for (uint64_t v : {2, 3, 0}) {
    for (int i = 0; i < 8; ++i) msg += static_cast<char>(v >> (8 * i));
  }
  msg += "abcxyz";
  crypto_generichash(want, 64, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                     nullptr, 0);
  egd::SecureBytes m = MixInputs({&a, &b});
  CHECK(std::equal(m.begin(), m.end(), want));
}

HostPool Pool(size_t n) {
  return HostPool(n, {milliseconds(1000), milliseconds(8000), 0.0}, [] { return 0.0; });
}

TEST_CASE("hosts: mix k rotates over the healthy hosts, distinct each time") {
  HostPool pool = Pool(3);
  TimePoint t{};
  std::multiset<size_t> used;
  for (int feed = 0; feed < 6; ++feed) {
    std::vector<size_t> c = pool.Choose(2, t);
    REQUIRE(c.size() == 2);
    CHECK(c[0] != c[1]);
    used.insert(c.begin(), c.end());
  }
  CHECK(used.count(0) == 4);
  CHECK(used.count(1) == 4);
  CHECK(used.count(2) == 4);
}

TEST_CASE("hosts: mix 1 is failover, the first listed host that is not backing off") {
  HostPool pool = Pool(3);
  TimePoint t{};
  CHECK(pool.Choose(1, t) == std::vector<size_t>{0});
  CHECK(pool.Choose(1, t) == std::vector<size_t>{0});
  pool.Failed(0, t);
  CHECK(pool.Choose(1, t) == std::vector<size_t>{1});
  CHECK(pool.Choose(1, t + milliseconds(1000)) == std::vector<size_t>{0});
}

TEST_CASE("hosts: each has its own backoff, a failing host waits, the others carry on") {
  HostPool pool = Pool(2);
  TimePoint t{};
  CHECK(pool.Failed(1, t) == milliseconds(1000));
  CHECK(pool.Failed(1, t) == milliseconds(2000));
  CHECK(pool.failures(1) == 2);
  CHECK(pool.failures(0) == 0);
  CHECK(pool.AvailableCount(t) == 1);
  CHECK(pool.Choose(2, t) == std::vector<size_t>{0});   // short: one of two
  CHECK(pool.NextRetry(t) == t + milliseconds(2000));
  CHECK(pool.Choose(2, t + milliseconds(2000)).size() == 2);  // due back: tried again
  pool.Succeeded(1);
  CHECK(pool.failures(1) == 0);
  CHECK(pool.failures_total(1) == 2);
  CHECK(pool.Failed(1, t) == milliseconds(1000));      // the backoff starts over
}

TEST_CASE("hosts: with every host backing off, the one due back soonest is tried") {
  HostPool pool = Pool(3);
  TimePoint t{};
  pool.Failed(0, t);
  pool.Failed(0, t);  // 2 s
  pool.Failed(1, t);  // 1 s
  pool.Failed(2, t);
  pool.Failed(2, t);
  pool.Failed(2, t);  // 4 s
  CHECK(pool.AvailableCount(t) == 0);
  CHECK(pool.Choose(2, t) == std::vector<size_t>{1});
}

TEST_CASE("mix state: logged when it changes, not at every feed") {
  MixState s;
  CHECK_FALSE(s.Update({2, 2}, ""));  // full from the start: nothing to say
  CHECK_FALSE(s.Update({2, 2}, ""));
  std::optional<std::string> line = s.Update({2, 1}, "10.0.0.1:7776 failing");
  REQUIRE(line);
  CHECK(*line == "short of hosts: mixing 1 of 2 hosts, credit 0 until all are back "
                 "(10.0.0.1:7776 failing)");
  for (int i = 0; i < 100; ++i) CHECK_FALSE(s.Update({2, 1}, "10.0.0.1:7776 failing"));
  CHECK(s.Update({3, 2}, "") != std::nullopt);  // short by a different count
  line = s.Update({3, 3}, "");
  REQUIRE(line);
  CHECK(*line == "full mix again: 3 hosts per feed, credited as configured");
  CHECK(s.full_feeds() == 3);
  CHECK(s.short_feeds() == 102);
  MixState first_short;
  CHECK(first_short.Update({2, 1}, "") != std::nullopt);
}

}  // namespace
}  // namespace feed
