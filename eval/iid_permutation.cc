// SPDX-License-Identifier: Apache-2.0
#include "eval/iid_permutation.h"

#include <utility>
#include <vector>

namespace egdstat {

void ShuffleSamples(std::span<uint8_t> data, Xoshiro256& rng) {
  for (size_t i = data.size(); i-- > 1;) std::swap(data[i], data[rng.UpTo(i)]);
}

PermutationResult RunPermutationTests(std::span<const uint8_t> symbols, const IidContext& context,
                                      const PermutationOptions& options,
                                      const ProgressFn& progress) {
  PermutationResult r;
  StatisticScratch scratch;
  StatisticMask undecided;
  undecided.set();
  ComputeStatistics(symbols, context, undecided, &scratch, &r.original);
  std::vector<uint8_t> data(symbols.begin(), symbols.end());
  Xoshiro256 rng(options.seed);
  StatisticValues shuffled{};
  while (undecided.any() && r.shuffles < options.max_shuffles) {
    ShuffleSamples(data, rng);
    ++r.shuffles;
    ComputeStatistics(data, context, undecided, &scratch, &shuffled);
    for (size_t j = 0; j < kPermutationStatistics; ++j) {
      if (!undecided[j]) continue;
      PermutationCount& c = r.counts[j];
      if (shuffled[j] > r.original[j]) {
        ++c.c0;
      } else if (shuffled[j] == r.original[j]) {
        ++c.c1;
      } else {
        ++c.c2;
      }
      if (c.Decided()) undecided.reset(j);
    }
    if (progress) progress(r.shuffles, options.max_shuffles);
  }
  r.passed = true;
  for (const PermutationCount& c : r.counts) r.passed = r.passed && c.Passed();
  return r;
}

}  // namespace egdstat
