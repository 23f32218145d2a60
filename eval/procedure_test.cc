// Procedures A, B and FIPS over whole captures: layout, the one-retry rule,
// verdicts for short data, good data passing and crafted streams failing.
#include "eval/procedure.h"

#include <catch2/catch.hpp>

#include "eval/ais31.h"
#include "eval/test_util.h"

namespace egdstat {
namespace {

using testing::RandomBytes;

// A run of 40 zeros in block `block` of attempt `attempt`: T4 fails there.
void BreakBlock(std::vector<uint8_t>& data, size_t attempt, size_t block) {
  const size_t at = attempt * kProcedureABytes + ais31::kT0Bytes + block * kBlockBytes + 1000;
  for (size_t i = 0; i < 5; ++i) data[at + i] = 0;
}

std::vector<uint8_t> Duplicated(size_t n, uint64_t seed) {
  std::vector<uint8_t> d = RandomBytes(n, seed);
  for (size_t i = 1; i < n; i += 2) d[i] = d[i - 1];
  return d;
}

}  // namespace

TEST_CASE("Procedure A: layout and good data") {
  CHECK(kProcedureABytes == (3145728 + 257 * 20000) / 8);
  const ProcedureResult r = RunProcedureA(RandomBytes(kProcedureABytes, 1001));
  CHECK(r.verdict == Verdict::kPass);
  REQUIRE(r.attempts.size() == 1);
  const Attempt& a = r.attempts[0];
  CHECK(a.complete);
  CHECK(a.bits_used == kProcedureABytes * 8);
  CHECK(a.basic_tests == 1286);
  CHECK(a.run == 1286);
  REQUIRE(a.repeated.size() == 5);
  for (const RepeatedTest& t : a.repeated) CHECK(t.runs == 257);
  CHECK(a.tests.at(0).name == "T0 disjointness");
}

TEST_CASE("Procedure A: one failed basic test means one retry on the next part") {
  std::vector<uint8_t> data = RandomBytes(2 * kProcedureABytes, 1002);
  BreakBlock(data, 0, 10);
  const ProcedureResult r = RunProcedureA(data);
  REQUIRE(r.attempts.size() == 2);
  CHECK(r.attempts[0].failed == 1);
  CHECK(r.attempts[0].block_failures.at(0).block == 10);
  CHECK(r.attempts[0].block_failures.at(0).test == "T4 long run");
  CHECK(r.attempts[1].first_bit == kProcedureABytes * 8);
  CHECK(r.verdict == Verdict::kPass);

  BreakBlock(data, 1, 200);  // the retry must pass completely
  CHECK(RunProcedureA(data).verdict == Verdict::kFail);

  data.resize(kProcedureABytes + 1000);  // no data for the retry
  const ProcedureResult short_retry = RunProcedureA(data);
  CHECK(short_retry.verdict == Verdict::kNeedMoreData);
  CHECK(short_retry.bytes_needed == 2 * kProcedureABytes);
}

TEST_CASE("Procedure A: two failed basic tests fail at once") {
  std::vector<uint8_t> data = RandomBytes(2 * kProcedureABytes, 1003);
  BreakBlock(data, 0, 3);
  BreakBlock(data, 0, 250);
  ProcedureResult r = RunProcedureA(data);
  CHECK(r.verdict == Verdict::kFail);
  CHECK(r.attempts.size() == 1);

  data = RandomBytes(2 * kProcedureABytes, 1004);
  std::copy(data.begin(), data.begin() + 6, data.begin() + 600);  // word 100 = word 0: T0
  BreakBlock(data, 0, 7);
  r = RunProcedureA(data);
  CHECK(r.verdict == Verdict::kFail);
  CHECK(r.attempts.size() == 1);
  CHECK(r.reason == "attempt 1: 2 of 1286 basic tests failed");
}

TEST_CASE("Procedure A: T0 is a basic test under the one-retry rule") {
  // A good stream with word 1 copied over word 0: T0 alone fails, and A
  // passes after a retry (AIS 31: 1,286 basic tests, one may fail once).
  std::vector<uint8_t> data = RandomBytes(2 * kProcedureABytes, 1006);
  std::copy(data.begin() + 6, data.begin() + 12, data.begin());
  ProcedureResult r = RunProcedureA(data);
  REQUIRE(r.attempts.size() == 2);
  CHECK(r.attempts[0].failed == 1);
  CHECK_FALSE(r.attempts[0].tests.at(0).pass);
  CHECK(r.verdict == Verdict::kPass);
  CHECK(r.reason == "attempt 2: 0 of 1286 basic tests failed (after one failure in attempt 1)");

  // The same failure in the retry fails A.
  std::copy(data.begin() + kProcedureABytes + 6, data.begin() + kProcedureABytes + 12,
            data.begin() + kProcedureABytes);
  r = RunProcedureA(data);
  CHECK(r.verdict == Verdict::kFail);
  CHECK(r.reason == "attempt 2: 1 of 1286 basic tests failed");
}

TEST_CASE("Procedure A: short data needs 1,035,716 bytes, unless it already failed") {
  const ProcedureResult r = RunProcedureA(RandomBytes(600000, 1005));
  CHECK(r.verdict == Verdict::kNeedMoreData);
  CHECK(r.bytes_needed == kProcedureABytes);
  CHECK(RunProcedureA(std::vector<uint8_t>(600000, 0)).verdict == Verdict::kFail);
}

TEST_CASE("Procedure B: good data passes 9 basic tests") {
  const ProcedureResult r = RunProcedureB(RandomBytes(kProcedureBMinBytes + 20000, 2001));
  CHECK(r.verdict == Verdict::kPass);
  REQUIRE(r.attempts.size() == 1);
  CHECK(r.attempts[0].tests.size() == 9);
  CHECK(r.attempts[0].bits_used >= kProcedureBMinBytes * 8);
}

TEST_CASE("Procedure B: one failure, then a retry on the bits that follow") {
  std::vector<uint8_t> data = RandomBytes(2 * kProcedureBMinBytes + 40000, 2002);
  const std::vector<uint8_t> biased = testing::BiasedBytes(12500, 0.6, 2003);
  std::copy(biased.begin(), biased.end(), data.begin());  // T6a fails in attempt 1
  const ProcedureResult r = RunProcedureB(data);
  REQUIRE(r.attempts.size() == 2);
  CHECK(r.attempts[0].failed == 1);
  CHECK_FALSE(r.attempts[0].tests[0].pass);
  CHECK(r.attempts[1].first_bit == r.attempts[0].bits_used);
  CHECK(r.verdict == Verdict::kPass);
}

TEST_CASE("Procedure B: short data needs at least 871,060 bytes") {
  const ProcedureResult r = RunProcedureB(RandomBytes(300000, 2004));
  CHECK(r.verdict == Verdict::kNeedMoreData);
  CHECK(r.bytes_needed >= kProcedureBMinBytes);
  CHECK(kProcedureBMinBytes * 8 == 100000 + 400000 + 1200000 + 3200000 + 2068480);
}

TEST_CASE("FIPS procedure: 2,500 bytes, no retry") {
  CHECK(RunFips(RandomBytes(kBlockBytes, 3001), {fips140::RunsTable::kOriginal, 32}).verdict == Verdict::kPass);
  const ProcedureResult r = RunFips(RandomBytes(2499, 3002));
  CHECK(r.verdict == Verdict::kNeedMoreData);
  CHECK(r.bytes_needed == 2500);
}

TEST_CASE("Crafted streams fail every procedure that should catch them") {
  const size_t n = 2 * kProcedureABytes;
  struct Case {
    const char* name;
    std::vector<uint8_t> data;
    bool fips_fails;
  };
  const Case cases[] = {
      {"all zero", std::vector<uint8_t>(n, 0x00), true},
      {"all 0xFF", std::vector<uint8_t>(n, 0xFF), true},
      {"stuck 0xA5", std::vector<uint8_t>(n, 0xA5), true},
      {"alternating bits", std::vector<uint8_t>(n, 0x55), true},
      {"biased 0.55", testing::BiasedBytes(n, 0.55, 4001), true},
      // FIPS has no test for it (its continuous test only trips when two
      // neighbouring bytes happen to be equal); A's T5 and T0, B's T8 catch it.
      {"duplicated bytes", Duplicated(n, 4002), false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(RunProcedureA(c.data).verdict == Verdict::kFail);
    if (c.fips_fails) CHECK(RunFips(c.data).verdict == Verdict::kFail);
  }
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(RunProcedureB(c.data).verdict == Verdict::kFail);
  }
}

}  // namespace egdstat
