// SPDX-License-Identifier: Apache-2.0
#include "health/startup.h"

#include "eval/fips140.h"

namespace egd {

StartupTest Fips140StartupTest() {
  return [](std::span<const uint8_t> block) -> std::optional<HealthAlarm> {
    namespace fips = egdstat::fips140;
    for (const auto& result :
         {fips::Monobit(block), fips::Poker(block),
          fips::Runs(block, fips::RunsTable::kChangeNotice1), fips::LongRun(block)}) {
      if (result.pass) continue;
      return HealthAlarm{"startup", "FIPS 140-2 on the first 20,000 bits: " +
                                        egdstat::Summary(result), 0};
    }
    return std::nullopt;
  };
}

}  // namespace egd
