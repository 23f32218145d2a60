// The startup test egdd runs on the first 20,000 bits after every power-on:
// the FIPS 140-2 power-up tests (monobit, poker, runs, long run), which are
// AIS 31's T1-T4 with FIPS's tighter bounds; the runs test uses the 2001-10-10
// table (as rngtest does), so an ideal source fails ~0.09% of startups instead
// of ~0.45%. The continuous 16-bit block test is left out on purpose: it fails
// ~2% of ideal 20,000-bit samples. A failed startup is an alarm like any other.
#include "egdd/daemon.h"
#include "eval/fips140.h"

namespace egdd {

egd::StartupTest Daemon::StartupTest() const {
  return [](std::span<const uint8_t> block) -> std::optional<egd::HealthAlarm> {
    namespace fips = egdstat::fips140;
    for (const auto& result :
         {fips::Monobit(block), fips::Poker(block),
          fips::Runs(block, fips::RunsTable::kChangeNotice1), fips::LongRun(block)}) {
      if (result.pass) continue;
      return egd::HealthAlarm{"startup", "FIPS 140-2 on the first 20,000 bits: " +
                                             egdstat::Summary(result), 0};
    }
    return std::nullopt;
  };
}

}  // namespace egdd
