// SPDX-License-Identifier: Apache-2.0
#include "eval/restart_assessment.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "eval/entropy_samples.h"

namespace egdstat {

namespace {

// The category probabilities of the inverted near-uniform distribution,
// each as a share of the probability not yet assigned, in the order the
// counts are drawn: the residual value (if any) first, then the m values of
// probability p (the last of which takes all that is left).
std::vector<double> ConditionalShares(double p) {
  const auto m = static_cast<size_t>(std::floor(1.0 / p));
  const double residual = 1.0 - static_cast<double>(m) * p;
  std::vector<double> shares;
  if (std::ceil(1.0 / p) > static_cast<double>(m) && residual > 0) shares.push_back(residual);
  for (size_t left = m; left >= 1; --left) shares.push_back(1.0 / static_cast<double>(left));
  return shares;
}

int MostCommonCount(std::span<const uint8_t> values) {
  std::array<int, 256> counts{};
  int most = 0;
  for (uint8_t v : values) most = std::max(most, ++counts[v]);
  return most;
}

}  // namespace

double RestartAlpha() { return 1.0 - std::exp(std::log(0.99) / 2000.0); }

double MaxCountCdf(int c, double p, int n) {
  // The counts as successive binomials: a category takes j of the r samples
  // left with probability Binomial(j; r, share). f[r] = P(r samples left and
  // every category so far has at most c).
  std::vector<double> f(static_cast<size_t>(n) + 1, 0.0), next(f.size());
  f[static_cast<size_t>(n)] = 1.0;
  for (double share : ConditionalShares(p)) {
    std::fill(next.begin(), next.end(), 0.0);
    for (int r = 0; r <= n; ++r) {
      if (f[static_cast<size_t>(r)] == 0.0) continue;
      if (share >= 1.0) {  // the last category takes every sample left
        if (r <= c) next[0] += f[static_cast<size_t>(r)];
        continue;
      }
      double pmf = std::pow(1.0 - share, r);  // j = 0
      const double ratio = share / (1.0 - share);
      for (int j = 0; j <= std::min(c, r); ++j) {
        next[static_cast<size_t>(r - j)] += f[static_cast<size_t>(r)] * pmf;
        pmf *= ratio * (r - j) / (j + 1);
      }
    }
    f.swap(next);
  }
  return f[0];
}

int RestartCutoff(double h_initial, double alpha) {
  const double p = std::pow(2.0, -h_initial);
  const int n = static_cast<int>(kRestartRows);
  int low = 0, high = n;  // MaxCountCdf(n) = 1
  while (low < high) {
    const int mid = (low + high) / 2;
    if (MaxCountCdf(mid, p, n) >= 1.0 - alpha) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return low;
}

std::string AssessRestart(std::span<const uint8_t> data, int bits, double h_initial, RestartAssessment* out) {
  constexpr size_t kSamples = kRestartRows * kRestartColumns;
  if (data.size() != kSamples) {
    return "needs exactly " + std::to_string(kSamples) + " samples (1000 restarts x 1000), has " +
           std::to_string(data.size());
  }
  if (!(h_initial >= 0 && h_initial <= bits)) return "H_I must be from 0 to the bits per sample";
  EntropySamples rows;
  if (std::string why = PrepareSamples(data, bits, &rows); !why.empty()) return why;
  if (rows.alphabet < 2) return "one symbol only: no entropy";
  RestartAssessment& a = *out;
  a = RestartAssessment{};
  a.bits = bits;
  a.alphabet = rows.alphabet;
  a.h_initial = h_initial;
  a.alpha = RestartAlpha();
  a.cutoff = RestartCutoff(h_initial, a.alpha);
  EntropySamples columns{bits, rows.alphabet, std::vector<uint8_t>(kSamples), {}};
  for (size_t i = 0; i < kRestartRows; ++i) {
    const std::span<const uint8_t> row(rows.literal.data() + i * kRestartColumns, kRestartColumns);
    a.max_row_count = std::max(a.max_row_count, MostCommonCount(row));
    for (size_t j = 0; j < kRestartColumns; ++j) columns.literal[j * kRestartRows + i] = row[j];
  }
  for (size_t j = 0; j < kRestartColumns; ++j) {
    const std::span<const uint8_t> column(columns.literal.data() + j * kRestartRows, kRestartRows);
    a.max_column_count = std::max(a.max_column_count, MostCommonCount(column));
  }
  a.sanity_passed = std::max(a.max_row_count, a.max_column_count) <= a.cutoff;
  if (!a.sanity_passed) return "";
  a.rows = AssessNonIid(rows, false);
  a.columns = AssessNonIid(columns, false);
  a.h_r = a.rows->min_entropy;
  a.h_c = a.columns->min_entropy;
  a.validation_passed = std::min(a.h_r, a.h_c) >= h_initial / 2.0;
  a.min_entropy = std::min({a.h_r, a.h_c, h_initial});
  return "";
}

}  // namespace egdstat
