#include "eval/test_util.h"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace egdstat::testing {
namespace {

uint64_t Squares(const std::array<uint32_t, 16>& f) {
  uint64_t s = 0;
  for (uint32_t c : f) s += uint64_t{c} * c;
  return s;
}

// Moves one count from a to b: the sum of squares grows by 2 (f_b - f_a + 1).
void Move(std::array<uint32_t, 16>& f, size_t a, size_t b) {
  --f[a];
  ++f[b];
}

}  // namespace

std::array<uint32_t, 16> NibbleCountsWithSquares(uint64_t target) {
  std::array<uint32_t, 16> f{};
  for (size_t i = 0; i < 16; ++i) f[i] = i < 8 ? 312 : 313;
  assert(target % 2 == 0 && target >= Squares(f));
  int64_t units = static_cast<int64_t>(target - Squares(f)) / 2;
  while (units > 0) {
    size_t best_a = 0, best_b = 0;
    int64_t best = 0;
    for (size_t a = 0; a < 16; ++a) {
      for (size_t b = 0; b < 16; ++b) {
        const int64_t inc = int64_t{f[b]} - int64_t{f[a]} + 1;
        if (a == b || f[a] == 0 || inc > units || inc <= best) continue;
        best = inc;
        best_a = a;
        best_b = b;
      }
    }
    assert(best > 0);
    Move(f, best_a, best_b);
    units -= best;
  }
  assert(Squares(f) == target);
  return f;
}

std::vector<uint8_t> BlockFromNibbleCounts(const std::array<uint32_t, 16>& counts) {
  std::vector<uint8_t> nibbles;
  for (size_t v = 0; v < 16; ++v) nibbles.insert(nibbles.end(), counts[v], static_cast<uint8_t>(v));
  assert(nibbles.size() == 5000);
  std::vector<uint8_t> out(2500);
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(nibbles[2 * i] << 4 | nibbles[2 * i + 1]);
  return out;
}

std::vector<uint8_t> BlockWithRuns(const std::array<std::array<uint32_t, 6>, 2>& runs) {
  std::array<std::vector<uint32_t>, 2> lengths;
  int64_t total = 0;
  for (int bit = 0; bit < 2; ++bit) {
    for (uint32_t len = 1; len <= 6; ++len) {
      lengths[bit].insert(lengths[bit].end(), runs[bit][len - 1], len);
      total += int64_t{len} * runs[bit][len - 1];
    }
  }
  if (lengths[0].size() != lengths[1].size() || total > 20000) return {};
  // Lengthen the 6+ runs (the last ones of each list) round-robin to 20,000 bits.
  int64_t rest = 20000 - total;
  const size_t long0 = runs[0][5], long1 = runs[1][5];
  if (rest > 0 && long0 + long1 == 0) return {};
  for (size_t k = 0; rest > 0; ++k) {
    const size_t i = k % (long0 + long1);
    if (i < long0) {
      ++lengths[0][lengths[0].size() - 1 - i];
    } else {
      ++lengths[1][lengths[1].size() - 1 - (i - long0)];
    }
    --rest;
  }
  std::vector<int> bits;
  for (size_t r = 0; r < lengths[0].size(); ++r) {
    bits.insert(bits.end(), lengths[0][r], 0);
    bits.insert(bits.end(), lengths[1][r], 1);
  }
  return Pack(bits);
}

}  // namespace egdstat::testing
