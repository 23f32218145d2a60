// SPDX-License-Identifier: Apache-2.0
// The out-of-line parts of the MultiMMC and LZ78Y dictionaries
// (predictor_dictionaries.h); the look-ups and counts stay inline there,
// on the estimators' hot path.
#include "eval/predictor_dictionaries.h"

namespace egdstat::detail {

// The context of `length` samples ending just before `end`.
ContextKey ContextBefore(std::span<const uint8_t> s, long end, int length) {
  ContextKey k;
  for (int age = 0; age < length; ++age) k.Set(age, s[end - 1 - age]);
  return k;
}

BinaryDictionary::BinaryDictionary() {
  for (int m = 1; m <= kMaxContext; ++m) table_[m - 1].assign(size_t{2} << m, 0);
}

}  // namespace egdstat::detail
