// SPDX-License-Identifier: Apache-2.0
// The out-of-line parts of the MultiMMC and LZ78Y dictionaries
// (predictor_dictionaries.h); the look-ups and counts stay inline there,
// on the estimators' hot path.
#include "eval/predictor_dictionaries.h"

namespace egdstat::detail {

OrderDictionary::OrderDictionary(int order, size_t contexts) {
  if (order < 2) {
    dense_.resize(size_t{1} << (8 * (order + 1)));
  } else {
    contexts_.Reserve(contexts);
  }
}

ContextDictionary::ContextDictionary() {
  for (int order = 0; order < kMaxContext; ++order) orders_.emplace_back(order, 0);
}

BinaryDictionary::BinaryDictionary() {
  for (int m = 1; m <= kMaxContext; ++m) table_[m - 1].assign(size_t{2} << m, 0);
}

}  // namespace egdstat::detail
