// SPDX-License-Identifier: Apache-2.0
#include "feed/backoff.h"

#include <random>
#include <vector>

#include <catch2/catch.hpp>

namespace feed {
namespace {

using std::chrono::milliseconds;

TEST_CASE("backoff base doubles from initial and stops at max") {
  Backoff b({milliseconds(1000), milliseconds(300000), 0.5}, [] { return 0.0; });
  std::vector<long long> seen;
  for (int i = 0; i < 12; ++i) seen.push_back(b.Next().count());
  // u = 0: no jitter taken off, the delay is the base.
  CHECK(seen == std::vector<long long>{1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000,
                                       256000, 300000, 300000, 300000});
  CHECK(b.failures() == 12);
}

TEST_CASE("backoff jitter stays within [base * (1 - jitter), base]") {
  std::mt19937 gen(42);
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  BackoffConfig config{milliseconds(200), milliseconds(1600), 0.5};
  Backoff b(config, [&] { return dist(gen); });
  for (int round = 0; round < 200; ++round) {
    b.Reset();
    for (int k = 1; k <= 6; ++k) {
      long long base = b.Base(k).count();
      long long d = b.Next().count();
      INFO("failure " << k << " base " << base << " delay " << d);
      CHECK(d >= base / 2);
      CHECK(d <= base);
    }
  }
}

TEST_CASE("backoff jitter actually spreads the delays") {
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  Backoff b({milliseconds(10000), milliseconds(10000), 0.5}, [&] { return dist(gen); });
  long long lo = 10000, hi = 0;
  for (int i = 0; i < 1000; ++i) {
    long long d = b.Next().count();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(lo < 5500);  // two feeders failing together come back apart
  CHECK(hi > 9500);
}

TEST_CASE("backoff extremes of the random draw, and jitter 0") {
  Backoff high({milliseconds(1000), milliseconds(8000), 0.5}, [] { return 1.0; });
  CHECK(high.Next() == milliseconds(500));
  CHECK(high.Next() == milliseconds(1000));
  Backoff none({milliseconds(1000), milliseconds(8000), 0.0}, [] { return 0.9; });
  CHECK(none.Next() == milliseconds(1000));
  CHECK(none.Next() == milliseconds(2000));
  Backoff full({milliseconds(1000), milliseconds(8000), 1.0}, [] { return 1.0; });
  CHECK(full.Next() == milliseconds(0));
}

TEST_CASE("backoff resets after a success") {
  Backoff b({milliseconds(100), milliseconds(10000), 0.0}, [] { return 0.0; });
  b.Next();
  b.Next();
  CHECK(b.Next() == milliseconds(400));
  b.Reset();
  CHECK(b.failures() == 0);
  CHECK(b.Next() == milliseconds(100));
}

TEST_CASE("backoff never overflows however long the server is gone") {
  Backoff b({milliseconds(10), milliseconds(86400000), 0.0}, [] { return 0.0; });
  for (int i = 0; i < 10000; ++i) b.Next();
  CHECK(b.Next() == milliseconds(86400000));
}

}  // namespace
}  // namespace feed
