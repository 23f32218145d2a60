// SPDX-License-Identifier: Apache-2.0
#include "feed/backoff.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

namespace feed {

Backoff::Backoff(BackoffConfig config, Uniform uniform)
    : config_(config), uniform_(std::move(uniform)) {
  assert(uniform_);
}

std::chrono::milliseconds Backoff::Base(int k) const {
  using std::chrono::milliseconds;
  milliseconds base = config_.initial;
  for (int i = 1; i < k && base < config_.max; ++i) base *= 2;  // no overflow: stops at max
  return std::min(base, config_.max);
}

std::chrono::milliseconds Backoff::Next() {
  ++failures_;
  double base = static_cast<double>(Base(failures_).count());
  double u = std::clamp(uniform_(), 0.0, 1.0);
  double delay = base * (1.0 - config_.jitter * u);
  return std::chrono::milliseconds(static_cast<long long>(std::llround(delay)));
}

}  // namespace feed
