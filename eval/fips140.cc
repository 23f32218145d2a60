#include "eval/fips140.h"

#include <cassert>
#include <string>

namespace egdstat::fips140 {
namespace {

constexpr std::array<uint32_t, 6> kRunsLoOriginal = {2343, 1135, 542, 251, 111, 111};
constexpr std::array<uint32_t, 6> kRunsHiOriginal = {2657, 1365, 708, 373, 201, 201};
constexpr std::array<uint32_t, 6> kRunsLoNotice1 = {2315, 1114, 527, 240, 103, 103};
constexpr std::array<uint32_t, 6> kRunsHiNotice1 = {2685, 1386, 723, 384, 209, 209};

}  // namespace

TestResult Monobit(std::span<const uint8_t> block) {
  assert(block.size() == kBlockBytes);
  return MonobitResult("monobit", block, 9725, 10275);
}

TestResult Poker(std::span<const uint8_t> block) {
  assert(block.size() == kBlockBytes);
  return PokerResult("poker", block, 216, 4617);
}

TestResult Runs(std::span<const uint8_t> block, RunsTable table) {
  assert(block.size() == kBlockBytes);
  if (table == RunsTable::kChangeNotice1) return RunsResult("runs", block, kRunsLoNotice1, kRunsHiNotice1);
  return RunsResult("runs", block, kRunsLoOriginal, kRunsHiOriginal);
}

TestResult LongRun(std::span<const uint8_t> block) {
  assert(block.size() == kBlockBytes);
  return LongRunResult("long run", block, 26);
}

TestResult ContinuousRng(BitView bits, unsigned block_bits) {
  assert(block_bits >= 16 && block_bits <= 57);
  const size_t blocks = bits.size() / block_bits;
  uint32_t repeats = 0;
  size_t first_repeat = 0;
  for (size_t i = 1; i < blocks; ++i) {
    if (bits.Bits(i * block_bits, block_bits) == bits.Bits((i - 1) * block_bits, block_bits)) {
      if (repeats++ == 0) first_repeat = i;
    }
  }
  std::string note = std::to_string(blocks) + " blocks of " + std::to_string(block_bits) + " bits";
  if (repeats > 0) note += "; first repeat at block " + std::to_string(first_repeat);
  const Interval bounds{0, 0, true};
  return MakeTest("continuous", {MakeStatistic("blocks equal to the previous", repeats, bounds, repeats == 0)},
                  note);
}

std::vector<TestResult> BlockTests(std::span<const uint8_t> block, const Options& options) {
  return {Monobit(block), Poker(block), Runs(block, options.runs_table), LongRun(block),
          ContinuousRng(BitView(block), options.crngt_bits)};
}

}  // namespace egdstat::fips140
