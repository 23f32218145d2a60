// SPDX-License-Identifier: Apache-2.0
#include "eval/iid_statistics.h"

#include <bzlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace egdstat {

namespace {

enum Statistic : size_t {
  kExcursion = 0,
  kDirectionalRuns = 1,   // 1..3
  kMedianRuns = 4,        // 4..5
  kCollisions = 6,        // 6..7
  kPeriodicity = 8,       // 8..12
  kCovariance = 13,       // 13..17
  kCompression = 18,
};

bool AnyOf(const StatisticMask& which, size_t first, size_t count) {
  for (size_t i = first; i < first + count; ++i) {
    if (which[i]) return true;
  }
  return false;
}

// Counts runs of equal values of sign(i) for i in [0, n), where sign(i) is a
// bool; the reference's num_directional_runs/len_directional_runs on its
// alt_sequence (an empty sequence has no run but a longest run of 1).
template <typename Sign>
RunStatistics CountRuns(size_t n, Sign sign) {
  RunStatistics r;
  if (n == 0) {
    r.longest = 1;
    return r;
  }
  size_t runs = 1, run = 1, longest = 0, positive = sign(0) ? 1 : 0;
  bool last = sign(0);
  for (size_t i = 1; i < n; ++i) {
    const bool s = sign(i);
    positive += s ? 1 : 0;
    if (s == last) {
      ++run;
    } else {
      longest = std::max(longest, run);
      run = 1;
      ++runs;
      last = s;
    }
  }
  r.runs = static_cast<double>(runs);
  r.longest = static_cast<double>(std::max(longest, run));
  r.majority = static_cast<double>(std::max(positive, n - positive));
  return r;
}

// Each byte value in decimal followed by a space, padded to four bytes, and
// how many of them count: one 4-byte copy per sample builds the text.
struct DecimalTable {
  std::array<std::array<char, 4>, 256> chars{};
  std::array<uint8_t, 256> length{};
};

constexpr DecimalTable MakeDecimalTable() {
  DecimalTable t;
  for (int v = 0; v < 256; ++v) {
    uint8_t n = 0;
    if (v >= 100) t.chars[v][n++] = static_cast<char>('0' + v / 100);
    if (v >= 10) t.chars[v][n++] = static_cast<char>('0' + v / 10 % 10);
    t.chars[v][n++] = static_cast<char>('0' + v % 10);
    t.chars[v][n++] = ' ';
    t.length[v] = n;
  }
  return t;
}

constexpr DecimalTable kDecimal = MakeDecimalTable();

}  // namespace

IidContext MakeIidContext(std::span<const uint8_t> raw, std::span<const uint8_t> symbols, int alphabet) {
  IidContext c;
  c.alphabet = alphabet;
  uint64_t sum = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    sum += raw[i];
    c.raw_of[symbols[i]] = raw[i];
    c.relabelled = c.relabelled || raw[i] != symbols[i];
  }
  c.raw_mean = static_cast<double>(sum) / static_cast<double>(raw.size());
  if (alphabet == 2) {
    c.median = 0.5;  // as 5.1.5 and the reference set it for binary data
  } else {
    std::array<size_t, 256> counts{};
    for (uint8_t s : symbols) ++counts[s];
    // The reference sorts and takes the middle one or the mean of the middle two.
    auto nth = [&counts](size_t k) {
      size_t v = 0;
      for (size_t seen = counts[0]; seen <= k; seen += counts[++v]) {
      }
      return static_cast<double>(v);
    };
    const size_t n = symbols.size(), half = n / 2;
    c.median = n % 2 == 1 ? nth(half) : (nth(half) + nth(half - 1)) / 2.0;
  }
  return c;
}

std::vector<uint8_t> ConversionOne(std::span<const uint8_t> bits) {
  std::vector<uint8_t> out((bits.size() + 7) / 8, 0);
  for (size_t i = 0; i < bits.size(); ++i) out[i / 8] = static_cast<uint8_t>(out[i / 8] + bits[i]);
  return out;
}

std::vector<uint8_t> ConversionTwo(std::span<const uint8_t> bits) {
  std::vector<uint8_t> out((bits.size() + 7) / 8, 0);
  for (size_t i = 0; i < bits.size(); ++i) out[i / 8] |= static_cast<uint8_t>(bits[i] << (7 - i % 8));
  return out;
}

double Excursion(std::span<const uint8_t> values, double mean) {
  // The reference's arithmetic: a double running sum against (i + 1) * mean.
  double running = 0, largest = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    running += values[i];
    largest = std::max(largest, std::abs(running - static_cast<double>(i + 1) * mean));
  }
  return largest;
}

RunStatistics DirectionalRuns(std::span<const uint8_t> v) {
  // Sign +1 when the next value is >= this one (the reference's alt_sequence1).
  return CountRuns(v.empty() ? 0 : v.size() - 1, [v](size_t i) { return v[i] <= v[i + 1]; });
}

RunStatistics MedianRuns(std::span<const uint8_t> v, double median) {
  RunStatistics r = CountRuns(v.size(), [v, median](size_t i) { return v[i] >= median; });
  r.majority = 0;
  return r;
}

CollisionStatistics Collisions(std::span<const uint8_t> values, int alphabet, std::vector<uint32_t>* seen) {
  // From each start, extend a window until a value repeats; record the window
  // length and start again after the repeat (the reference's find_collisions).
  // `seen` holds, per value, the number of the window it was last seen in.
  seen->assign(static_cast<size_t>(alphabet), 0);
  uint32_t window = 1;
  uint64_t sum = 0, count = 0, longest = 0;
  size_t start = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t& mark = (*seen)[values[i]];
    if (mark == window) {
      const uint64_t length = i - start + 1;
      sum += length;
      ++count;
      longest = std::max(longest, length);
      start = i + 1;
      ++window;
    } else {
      mark = window;
    }
  }
  CollisionStatistics c;
  // With no repeat the reference divides by zero; we report 0 (1,000,000
  // samples of at most 256 values always repeat).
  if (count > 0) c.average = static_cast<double>(sum) / static_cast<double>(count);
  c.longest = static_cast<double>(longest);
  return c;
}

double Periodicity(std::span<const uint8_t> v, size_t lag) {
  size_t equal = 0;
  for (size_t i = 0; i + lag < v.size(); ++i) equal += v[i] == v[i + lag] ? 1 : 0;
  return static_cast<double>(equal);
}

double Covariance(std::span<const uint8_t> v, size_t lag) {
  uint64_t sum = 0;
  for (size_t i = 0; i + lag < v.size(); ++i) sum += static_cast<uint32_t>(v[i]) * v[i + lag];
  return static_cast<double>(sum);
}

double CompressedSize(std::span<const uint8_t> values, std::string* text, std::vector<char>* out) {
  // Room for four bytes a value; a shrunk string keeps its capacity, so after
  // the first call this neither allocates nor writes more than the tail.
  text->resize(values.size() * 4);
  char* p = text->data();
  for (uint8_t v : values) {
    std::memcpy(p, kDecimal.chars[v].data(), 4);
    p += kDecimal.length[v];
  }
  const auto length = static_cast<size_t>(p - text->data());
  text->resize(length == 0 ? 0 : length - 1);  // no space after the last value
  // The reference's output buffer: bzip2's documented worst case.
  auto capacity = static_cast<unsigned>(std::ceil(1.01 * static_cast<double>(text->size())) + 600);
  out->resize(capacity);
  const int rc = BZ2_bzBuffToBuffCompress(out->data(), &capacity, text->data(),
                                          static_cast<unsigned>(text->size()), 5, 0, 0);
  return rc == BZ_OK ? static_cast<double>(capacity) : 0.0;
}

void ComputeStatistics(std::span<const uint8_t> symbols, const IidContext& c, const StatisticMask& which,
                       StatisticScratch* scratch, StatisticValues* out) {
  StatisticValues& t = *out;
  const bool binary = c.alphabet == 2;
  std::span<const uint8_t> raw = symbols;
  if (c.relabelled && (which[kExcursion] || which[kCompression] || (!binary && AnyOf(which, kCovariance, 5)))) {
    scratch->raw.resize(symbols.size());
    for (size_t i = 0; i < symbols.size(); ++i) scratch->raw[i] = c.raw_of[symbols[i]];
    raw = scratch->raw;
  }
  std::span<const uint8_t> ones = symbols;  // what directional runs, periodicity, covariance read
  if (binary && (AnyOf(which, kDirectionalRuns, 3) || AnyOf(which, kPeriodicity, 10))) {
    scratch->ones = ConversionOne(symbols);
    ones = scratch->ones;
  }
  if (which[kExcursion]) t[kExcursion] = Excursion(raw, c.raw_mean);
  if (AnyOf(which, kDirectionalRuns, 3)) {
    const RunStatistics r = DirectionalRuns(ones);
    t[kDirectionalRuns] = r.runs;
    t[kDirectionalRuns + 1] = r.longest;
    t[kDirectionalRuns + 2] = r.majority;
  }
  if (AnyOf(which, kMedianRuns, 2)) {
    const RunStatistics r = MedianRuns(symbols, c.median);
    t[kMedianRuns] = r.runs;
    t[kMedianRuns + 1] = r.longest;
  }
  if (AnyOf(which, kCollisions, 2)) {
    std::span<const uint8_t> in = symbols;
    if (binary) {
      scratch->bytes = ConversionTwo(symbols);
      in = scratch->bytes;
    }
    const CollisionStatistics col = Collisions(in, binary ? 256 : c.alphabet, &scratch->seen);
    t[kCollisions] = col.average;
    t[kCollisions + 1] = col.longest;
  }
  for (size_t j = 0; j < kPermutationLags.size(); ++j) {
    if (which[kPeriodicity + j]) t[kPeriodicity + j] = Periodicity(ones, kPermutationLags[j]);
    if (which[kCovariance + j]) t[kCovariance + j] = Covariance(binary ? ones : raw, kPermutationLags[j]);
  }
  if (which[kCompression]) t[kCompression] = CompressedSize(raw, &scratch->text, &scratch->compressed);
}

}  // namespace egdstat
