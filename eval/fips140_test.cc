// Known-answer tests for the FIPS 140-2 block tests, at every bound, and the
// crafted streams each test must catch.
#include "eval/fips140.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "eval/test_util.h"

namespace egdstat {
namespace {

using testing::BlockFromNibbleCounts;
using testing::BlockWithOnes;
using testing::BlockWithRuns;
using testing::NibbleCountsWithSquares;
using testing::RandomBytes;
using testing::RunCountsAt;

std::vector<uint8_t> Repeat(uint8_t byte) { return std::vector<uint8_t>(kBlockBytes, byte); }

// A random block with one run of `length` ones at bit 5000.
std::vector<uint8_t> BlockWithLongRun(uint32_t length) {
  std::vector<int> bits = testing::Unpack(RandomBytes(kBlockBytes, 7));
  bits[4999] = 0;
  for (uint32_t i = 0; i < length; ++i) bits[5000 + i] = 1;
  bits[5000 + length] = 0;
  return testing::Pack(bits);
}

}  // namespace

TEST_CASE("FIPS monobit passes only for 9725 < ones < 10275") {
  CHECK_FALSE(fips140::Monobit(BlockWithOnes(9725)).pass);
  CHECK(fips140::Monobit(BlockWithOnes(9726)).pass);
  CHECK(fips140::Monobit(BlockWithOnes(10274)).pass);
  CHECK_FALSE(fips140::Monobit(BlockWithOnes(10275)).pass);
  CHECK(fips140::Monobit(BlockWithOnes(9725)).stats[0].value == 9725);
  CHECK(Summary(fips140::Monobit(BlockWithOnes(9725))) == "monobit: FAIL: X (ones) = 9725, needs 9725 < x < 10275");
  CHECK(Summary(fips140::Monobit(BlockWithOnes(9726))) == "monobit: pass");
}

TEST_CASE("FIPS poker passes only for 2.16 < X < 46.17") {
  // X = 16/5000 * S - 5000, S even: X(1563174) = 2.15568, X(1563176) = 2.1632,
  // X(1576928) = 46.1696, X(1576930) = 46.176.
  const auto x_at = [](uint64_t s) { return fips140::Poker(BlockFromNibbleCounts(NibbleCountsWithSquares(s))); };
  CHECK_FALSE(x_at(1563174).pass);
  CHECK(x_at(1563176).pass);
  CHECK(x_at(1576928).pass);
  CHECK_FALSE(x_at(1576930).pass);
  CHECK(x_at(1563176).stats[0].value == Approx(2.1632));
  CHECK(x_at(1576928).stats[0].value == Approx(46.1696));
}

TEST_CASE("FIPS runs: each of the 12 counts at both ends of its interval") {
  struct Table {
    fips140::RunsTable table;
    std::array<uint32_t, 6> lo, hi;
  };
  const Table tables[] = {
      {fips140::RunsTable::kOriginal, {2343, 1135, 542, 251, 111, 111}, {2657, 1365, 708, 373, 201, 201}},
      {fips140::RunsTable::kChangeNotice1, {2315, 1114, 527, 240, 103, 103}, {2685, 1386, 723, 384, 209, 209}},
  };
  for (const Table& t : tables) {
    for (int bit = 0; bit < 2; ++bit) {
      for (int i = 0; i < 6; ++i) {
        const uint32_t values[] = {t.lo[i] - 1, t.lo[i], t.hi[i], t.hi[i] + 1};
        for (uint32_t v : values) {
          CAPTURE(int(t.table), bit, i, v);
          const auto runs = RunCountsAt(bit, i, v);
          const std::vector<uint8_t> block = BlockWithRuns(runs);
          REQUIRE(block.size() == kBlockBytes);
          REQUIRE(CountRuns(block).runs == runs);
          const bool inside = t.lo[i] <= v && v <= t.hi[i];
          CHECK(fips140::Runs(block, t.table).pass == inside);
        }
      }
    }
  }
}

TEST_CASE("FIPS long run: 25 passes, 26 fails") {
  CHECK(CountRuns(BlockWithLongRun(25)).longest == 25);
  CHECK(fips140::LongRun(BlockWithLongRun(25)).pass);
  CHECK(CountRuns(BlockWithLongRun(26)).longest == 26);
  CHECK_FALSE(fips140::LongRun(BlockWithLongRun(26)).pass);
}

TEST_CASE("FIPS continuous test fails on a repeated n-bit block") {
  const std::vector<uint8_t> good = RandomBytes(kBlockBytes, 11);
  CHECK(fips140::ContinuousRng(BitView(good), 32).pass);
  std::vector<uint8_t> data = good;
  std::copy(data.begin() + 100, data.begin() + 104, data.begin() + 104);  // 32-bit block 26 = block 25
  const TestResult repeated = fips140::ContinuousRng(BitView(data), 32);
  CHECK_FALSE(repeated.pass);
  CHECK(repeated.stats[0].value == 1);
  // 16-bit blocks: count the repeats naively and compare.
  data = good;
  std::copy(data.begin() + 100, data.begin() + 102, data.begin() + 102);  // 16-bit block 51 = block 50
  size_t naive = 0;
  for (size_t i = 2; i + 1 < data.size(); i += 2) naive += data[i] == data[i - 2] && data[i + 1] == data[i - 1];
  const TestResult r16 = fips140::ContinuousRng(BitView(data), 16);
  CHECK(naive >= 1);
  CHECK(r16.stats[0].value == double(naive));
  CHECK_FALSE(r16.pass);
}

TEST_CASE("FIPS: good data passes every test") {
  const std::vector<uint8_t> block = RandomBytes(kBlockBytes, 1);
  for (const TestResult& t : fips140::BlockTests(block, {fips140::RunsTable::kOriginal, 32})) {
    CAPTURE(t.name);
    CHECK(t.pass);
  }
}

TEST_CASE("FIPS: crafted streams fail the tests that should catch them") {
  auto failing = [](const std::vector<uint8_t>& block) {
    std::vector<std::string> names;
    for (const TestResult& t : fips140::BlockTests(block)) {
      if (!t.pass) names.push_back(t.name);
    }
    return names;
  };
  using V = std::vector<std::string>;
  CHECK(failing(Repeat(0x00)) == V{"monobit", "poker", "runs", "long run", "continuous"});
  CHECK(failing(Repeat(0xFF)) == V{"monobit", "poker", "runs", "long run", "continuous"});
  // 0xA5 = 10100101 and 0x55 = 01010101 have balanced ones: monobit and long run pass.
  CHECK(failing(Repeat(0xA5)) == V{"poker", "runs", "continuous"});
  CHECK(failing(Repeat(0x55)) == V{"poker", "runs", "continuous"});
  const std::vector<uint8_t> biased = testing::BiasedBytes(kBlockBytes, 0.55, 3);
  CHECK(fips140::Monobit(biased).stats[0].value > 10800);
  CHECK_FALSE(fips140::Monobit(biased).pass);
}

TEST_CASE("FIPS continuous test: 32-bit blocks by default, 16 on request") {
  const std::vector<uint8_t> good = RandomBytes(kBlockBytes, 11);
  std::vector<uint8_t> data = good;
  // 16-bit block 51 = block 50; the 32-bit blocks around them (24, 25, 26) all differ.
  std::copy(data.begin() + 100, data.begin() + 102, data.begin() + 102);
  const TestResult by_default = fips140::ContinuousRng(BitView(data));
  CHECK(by_default.pass);
  CHECK(by_default.note == "625 blocks of 32 bits");
  CHECK_FALSE(fips140::ContinuousRng(BitView(data), 16).pass);
  const fips140::Options defaults;
  CHECK(defaults.crngt_bits == 32);
  CHECK(defaults.runs_table == fips140::RunsTable::kChangeNotice1);
  std::vector<std::string> failed;
  for (const TestResult& t : fips140::BlockTests(data, {fips140::RunsTable::kChangeNotice1, 16})) {
    if (!t.pass) failed.push_back(t.name);
  }
  CHECK(failed == std::vector<std::string>{"continuous"});
  for (const TestResult& t : fips140::BlockTests(data)) CHECK(t.pass);
}

}  // namespace egdstat
