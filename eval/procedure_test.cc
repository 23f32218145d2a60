// Procedures A, B and FIPS over whole captures: layout, the one-retry rule,
// verdicts for short data, good data passing and crafted streams failing.
#include "eval/procedure.h"

#include <catch2/catch.hpp>

#include "eval/ais31.h"
#include "eval/entropy_samples.h"
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

// --- Procedure A on k-bit samples --------------------------------------------

namespace {

// Each byte as two 4-bit samples, high nibble first: the same bits in the same order.
std::vector<uint8_t> Nibbles(const std::vector<uint8_t>& bytes) {
  std::vector<uint8_t> out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(static_cast<uint8_t>(b >> 4));
    out.push_back(static_cast<uint8_t>(b & 15));
  }
  return out;
}

}  // namespace

TEST_CASE("Procedure A, k-bit samples: 65,536 * ceil(48/k) + 257 * ceil(20000/k) bytes per attempt") {
  CHECK(ProcedureABytes(8) == kProcedureABytes);
  CHECK(ProcedureABytes(4) == 65536 * 12 + 257 * 5000);  // 2,071,432
  CHECK(ProcedureABytes(1) == 65536 * 48 + 257 * 20000);  // 8,285,728
  CHECK(ProcedureABytes(3) == 65536 * 16 + 257 * 6667);   // 20,001 bits a block, one dropped
  CHECK(ProcedureABytes(7) == 65536 * 7 + 257 * 2858);    // 49 bits a word, 20,006 a block
}

TEST_CASE("Procedure A, 4-bit samples: the concatenated bits, tested like the byte stream") {
  // 4 divides 48 and 20,000, so the samples' bits are exactly the bytes' bits.
  const std::vector<uint8_t> bytes = RandomBytes(kProcedureABytes, 5001);
  const ProcedureResult r8 = RunProcedureA(bytes);
  const ProcedureResult r4 = RunProcedureA(Nibbles(bytes), 4);
  CHECK(r4.verdict == Verdict::kPass);
  CHECK(r4.bits_per_sample == 4);
  REQUIRE(r4.attempts.size() == 1);
  const Attempt& a = r4.attempts[0];
  CHECK(a.bits_used == ProcedureABytes(4) * 4);
  CHECK(a.run == 1286);
  CHECK(a.tests.at(0).stats.at(0).value == r8.attempts[0].tests.at(0).stats.at(0).value);
  REQUIRE(a.repeated.size() == 5);
  for (size_t k = 0; k < 5; ++k) {
    CAPTURE(a.repeated[k].name);
    CHECK(a.repeated[k].worst_block == r8.attempts[0].repeated[k].worst_block);
    CHECK(a.repeated[k].worst.value == r8.attempts[0].repeated[k].worst.value);
  }
}

TEST_CASE("Procedure A, 4-bit samples with a stuck bit fail T1, T2, T3 and T5 in every block") {
  // The last bit of every sample is 0: 3/8 of the bits are ones (T1), only 8
  // of 16 nibbles occur (T2), runs of ones end after 3 bits (T3), and b_j =
  // b_{j+4} = 0 for every fourth j (T5, tau a multiple of 4). Runs of zeros
  // stay short (T4 passes).
  std::vector<uint8_t> samples = Nibbles(RandomBytes(kProcedureABytes, 5002));
  for (uint8_t& s : samples) s &= 0xE;
  const ProcedureResult r = RunProcedureA(samples, 4);
  CHECK(r.verdict == Verdict::kFail);
  REQUIRE(r.attempts.size() == 1);
  const std::vector<RepeatedTest>& t = r.attempts[0].repeated;
  REQUIRE(t.size() == 5);
  CHECK(t[0].failures == 257);
  CHECK(t[0].worst.value < 7800);  // ~7,500 ones
  CHECK(t[1].failures == 257);
  CHECK(t[2].failures == 257);
  CHECK(t[3].failures == 0);
  CHECK(t[4].failures == 257);
}

TEST_CASE("Procedure A, 7-bit samples: short data, a failing block and the retry, in samples") {
  const size_t per_attempt = ProcedureABytes(7);
  const ais31::SampleLayout l = ais31::LayoutFor(7);
  std::vector<uint8_t> samples = RandomBytes(2 * per_attempt, 5003);
  for (uint8_t& s : samples) s >>= 1;

  const ProcedureResult short_data = RunProcedureA(std::span(samples).first(1000000), 7);
  CHECK(short_data.verdict == Verdict::kNeedMoreData);
  CHECK(short_data.bytes_needed == per_attempt);

  // Six zero samples (42 zero bits) inside block 30 of attempt 1: T4 fails there only.
  const size_t at = l.t0_samples() + 30 * l.block_samples + 1000;
  std::fill(samples.begin() + static_cast<long>(at), samples.begin() + static_cast<long>(at + 6), 0);
  const ProcedureResult r = RunProcedureA(samples, 7);
  REQUIRE(r.attempts.size() == 2);
  REQUIRE(r.attempts[0].block_failures.size() == 1);
  CHECK(r.attempts[0].block_failures[0].block == 30);
  CHECK(r.attempts[0].block_failures[0].test == "T4 long run");
  CHECK(r.attempts[1].first_bit == per_attempt * 7);
  CHECK(r.verdict == Verdict::kPass);
}

TEST_CASE("Procedure A, k-bit samples: a byte wider than k is refused") {
  std::vector<uint8_t> samples(100, 15);
  CHECK(CheckSampleWidth(samples, 4).empty());
  samples[42] = 16;
  CHECK(CheckSampleWidth(samples, 4) == "sample 42 is 16, wider than 4 bits");
  CHECK(CheckSampleWidth(samples, 5).empty());
  CHECK_FALSE(CheckSampleWidth(samples, 9).empty());
}

TEST_CASE("FIPS procedure: the 2001-10-10 runs table by default") {
  // A good block whose run counts lie inside the 2001-10-10 table but outside
  // the 2001-05-25 one (about 0.4 % of good blocks do) and that passes the rest.
  std::vector<uint8_t> block;
  for (uint64_t seed = 0; seed < 20000 && block.empty(); ++seed) {
    std::vector<uint8_t> b = RandomBytes(kBlockBytes, seed);
    if (fips140::Runs(b, fips140::RunsTable::kOriginal).pass) continue;
    bool rest = fips140::Runs(b, fips140::RunsTable::kChangeNotice1).pass;
    for (const TestResult& t : {fips140::Monobit(b), fips140::Poker(b), fips140::LongRun(b)}) rest = rest && t.pass;
    if (rest) block = std::move(b);
  }
  REQUIRE_FALSE(block.empty());
  CHECK(RunFips(block).verdict == Verdict::kPass);
  CHECK(RunFips(block, {fips140::RunsTable::kOriginal, 32}).verdict == Verdict::kFail);
  CHECK(RunFips(block, {fips140::RunsTable::kChangeNotice1, 32}).verdict == Verdict::kPass);
}

}  // namespace egdstat
