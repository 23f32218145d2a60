// SPDX-License-Identifier: Apache-2.0
#include "eval/entropy_estimators.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace egdstat {

MostCommonValue EstimateMostCommonValue(std::span<const uint8_t> samples, int alphabet) {
  MostCommonValue r;
  if (alphabet == 2) {  // a sum (which vectorizes), not a chain of increments in memory
    size_t ones = 0;
    for (uint8_t s : samples) ones += s;
    r.mode = std::max(ones, samples.size() - ones);
  } else {
    std::vector<size_t> counts(static_cast<size_t>(alphabet), 0);
    for (uint8_t s : samples) ++counts[s];
    r.mode = *std::max_element(counts.begin(), counts.end());
  }
  const double len = static_cast<double>(samples.size());
  r.p_hat = static_cast<double>(r.mode) / len;
  r.p_upper = std::min(1.0, r.p_hat + kZAlpha * std::sqrt(r.p_hat * (1.0 - r.p_hat) / (len - 1.0)));
  r.min_entropy = -std::log2(r.p_upper);
  return r;
}

}  // namespace egdstat
