// SPDX-License-Identifier: Apache-2.0
// The permutation statistics (iid_statistics.h) on inputs small enough to work
// out by hand.
#include "eval/iid_statistics.h"

#include <bzlib.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "eval/test_util.h"

namespace egdstat {
namespace {

using Bytes = std::vector<uint8_t>;

TEST_CASE("IID statistics: excursion") {
  // {1, 3, 2}, mean 2: running sums 1, 4, 6 against 2, 4, 6 -> largest |d| 1.
  CHECK(Excursion(Bytes{1, 3, 2}, 2.0) == 1.0);
  // {0, 0, 4}, mean 4/3: sums 0, 0, 4 against 4/3, 8/3, 4 -> 8/3.
  CHECK(Excursion(Bytes{0, 0, 4}, 4.0 / 3) == Approx(8.0 / 3));
}

TEST_CASE("IID statistics: directional runs and runs based on the median") {
  // {1,2,2,1,0,3}: next >= this? + + - - + : 3 runs, longest 2, 3 of one sign.
  const RunStatistics d = DirectionalRuns(Bytes{1, 2, 2, 1, 0, 3});
  CHECK(d.runs == 3);
  CHECK(d.longest == 2);
  CHECK(d.majority == 3);
  // {5,1,7,7,0} against median 5: >= < >= >= < : 4 runs, longest 2.
  const RunStatistics m = MedianRuns(Bytes{5, 1, 7, 7, 0}, 5.0);
  CHECK(m.runs == 4);
  CHECK(m.longest == 2);
}

TEST_CASE("IID statistics: collisions") {
  // 0 1 0 | 2 3 2 | 1 1 : windows of 3, 3 and 2 up to the first repeat.
  std::vector<uint32_t> seen;
  const CollisionStatistics c = Collisions(Bytes{0, 1, 0, 2, 3, 2, 1, 1}, 4, &seen);
  CHECK(c.average == Approx(8.0 / 3));
  CHECK(c.longest == 3);
  // No repeat at all: nothing recorded.
  CHECK(Collisions(Bytes{0, 1, 2}, 3, &seen).longest == 0);
}

TEST_CASE("IID statistics: periodicity and covariance") {
  CHECK(Periodicity(Bytes{1, 2, 1, 2, 1}, 2) == 3);  // (1,1) (2,2) (1,1)
  CHECK(Periodicity(Bytes{1, 2, 1, 2, 1}, 1) == 0);
  CHECK(Periodicity(Bytes{1, 2}, 8) == 0);           // shorter than the lag
  CHECK(Covariance(Bytes{1, 2, 3, 4}, 1) == 20);     // 1*2 + 2*3 + 3*4
  CHECK(Covariance(Bytes{1, 2, 3, 4}, 2) == 11);     // 1*3 + 2*4
}

TEST_CASE("IID statistics: binary conversions") {
  const Bytes bits{1, 0, 1, 1, 0, 0, 0, 1, 1, 1};
  CHECK(ConversionOne(bits) == Bytes{4, 2});           // ones per 8-bit block, last one partial
  CHECK(ConversionTwo(bits) == Bytes{0xB1, 0xC0});     // 10110001, 11(000000)
}

TEST_CASE("IID statistics: compression is bzip2 of the values in decimal") {
  std::string text;
  std::vector<char> out;
  const double size = CompressedSize(Bytes{0, 10, 255}, &text, &out);
  CHECK(text == "0 10 255");
  std::string expect = "0 10 255";
  std::vector<char> dest(1000);
  unsigned len = static_cast<unsigned>(dest.size());
  REQUIRE(BZ2_bzBuffToBuffCompress(dest.data(), &len, expect.data(), static_cast<unsigned>(expect.size()), 5, 0,
                                   0) == BZ_OK);
  CHECK(size == len);
  // Every value, built as the reference builds the text (to_string and a space).
  Bytes values = testing::RandomBytes(3000, 2);
  for (int v = 0; v < 256; ++v) values.push_back(static_cast<uint8_t>(v));
  std::string reference;
  for (uint8_t v : values) reference += std::to_string(v) + " ";
  reference.pop_back();
  CompressedSize(values, &text, &out);
  CHECK(text == reference);
  CompressedSize(Bytes{7}, &text, &out);  // a shorter text after a longer one
  CHECK(text == "7");
  CompressedSize(Bytes{}, &text, &out);
  CHECK(text.empty());
  // Constant data compresses far better than random data.
  CHECK(CompressedSize(Bytes(10000, 7), &text, &out) < CompressedSize(testing::RandomBytes(10000, 1), &text, &out) / 10);
}

TEST_CASE("IID statistics: context and which sequence each statistic reads") {
  // Raw values 10, 20, 30 relabelled 0, 1, 2: covariance and excursion read the raw values.
  const Bytes raw{10, 30, 20, 10};
  const Bytes symbols{0, 2, 1, 0};
  const IidContext c = MakeIidContext(raw, symbols, 3);
  CHECK(c.raw_mean == 17.5);
  CHECK(c.median == 0.5);  // sorted symbols 0 0 1 2: (0 + 1) / 2
  CHECK(c.relabelled);
  StatisticMask all;
  all.set();
  StatisticScratch scratch;
  StatisticValues t{};
  ComputeStatistics(symbols, c, all, &scratch, &t);
  CHECK(t[13] == 10 * 30 + 30 * 20 + 20 * 10);  // covariance(1) on raw values
  CHECK(t[8] == 0);                            // periodicity(1) on symbols
  CHECK(t[0] == Approx(Excursion(raw, 17.5)));

  // Binary data: directional runs and periodicity on conversion I, collisions
  // on conversion II, the median fixed at 0.5.
  std::vector<int> unpacked = testing::Unpack(testing::RandomBytes(8, 3));
  const Bytes bits(unpacked.begin(), unpacked.end());
  const IidContext b = MakeIidContext(bits, bits, 2);
  CHECK(b.median == 0.5);
  ComputeStatistics(bits, b, all, &scratch, &t);
  const Bytes ones = ConversionOne(bits);
  const RunStatistics d = DirectionalRuns(ones);
  CHECK(t[1] == d.runs);
  CHECK(t[2] == d.longest);
  CHECK(t[3] == d.majority);
  CHECK(t[4] == MedianRuns(bits, 0.5).runs);
  CHECK(t[6] == Approx(Collisions(ConversionTwo(bits), 256, &scratch.seen).average));
  CHECK(t[9] == Periodicity(ones, 2));
  CHECK(t[17] == Covariance(ones, 32));
}

}  // namespace
}  // namespace egdstat
