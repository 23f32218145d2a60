#include "common/health.h"

#include <algorithm>
#include <array>

namespace egd {

std::optional<HealthAlarm> TotalFailureCheck(std::span<const uint8_t> chunk,
                                             const TotalFailureParams& params) {
  std::array<uint32_t, 256> counts{};
  for (uint8_t b : chunk) ++counts[b];
  auto max_it = std::max_element(counts.begin(), counts.end());
  if (*max_it <= params.max_identical) return std::nullopt;
  int value = static_cast<int>(max_it - counts.begin());
  return HealthAlarm{"total_failure", "byte value " + std::to_string(value) + " occurred " +
                                          std::to_string(*max_it) + " times in " +
                                          std::to_string(chunk.size()) + " bytes (limit " +
                                          std::to_string(params.max_identical) + ")"};
}

std::optional<HealthAlarm> HealthGate::Push(std::span<const uint8_t> raw,
                                            std::vector<uint8_t>* passed) {
  while (!raw.empty()) {
    size_t take = std::min(raw.size(), params_.chunk - window_.size());
    window_.insert(window_.end(), raw.begin(), raw.begin() + take);
    raw = raw.subspan(take);
    if (window_.size() < params_.chunk) break;
    ++chunks_tested_;
    if (auto alarm = TotalFailureCheck(window_, params_)) {
      window_.clear();
      return alarm;
    }
    passed->insert(passed->end(), window_.begin(), window_.end());
    window_.clear();
  }
  return std::nullopt;
}

}  // namespace egd
