// SPDX-License-Identifier: Apache-2.0
#include "common/refusal_log.h"

#include <catch2/catch.hpp>

namespace egd {
namespace {

using std::chrono::seconds;

TEST_CASE("first refusal of a key is logged, then one line a minute with the count") {
  RefusalLog log;
  auto t = RefusalLog::Clock::time_point{} + std::chrono::hours(1);
  auto v = log.Record("192.0.2.7", t);
  CHECK((v.log && v.unlogged == 0 && v.total == 1));
  for (int i = 0; i < 5; ++i) CHECK_FALSE(log.Record("192.0.2.7", t + seconds(i)).log);
  v = log.Record("2001:db8::/64", t + seconds(1));  // another key has its own first line
  CHECK((v.log && v.total == 1));
  CHECK(v.Note("2001:db8::/64") == "");
  v = log.Record("192.0.2.7", t + seconds(60));
  CHECK((v.log && v.unlogged == 5 && v.total == 7));
  CHECK(v.Note("192.0.2.7") == " (refusal 7 of 192.0.2.7; 5 not logged since the last line)");
  CHECK_FALSE(log.Record("192.0.2.7", t + seconds(61)).log);
  CHECK(log.Total("192.0.2.7") == 8);
  CHECK(log.Total("198.51.100.1") == 0);
}

TEST_CASE("at most kMaxKeys keys are remembered, the least recently refused go first") {
  RefusalLog log;
  auto t = RefusalLog::Clock::time_point{} + std::chrono::hours(1);
  for (size_t i = 0; i < RefusalLog::kMaxKeys + 10; ++i) {
    log.Record("k" + std::to_string(i), t + seconds(static_cast<long>(i)));
  }
  CHECK(log.keys().size() == RefusalLog::kMaxKeys);
  CHECK(log.Total("k0") == 0);
  CHECK(log.Total("k" + std::to_string(RefusalLog::kMaxKeys + 9)) == 1);
}

}  // namespace
}  // namespace egd
