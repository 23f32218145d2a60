// SPDX-License-Identifier: Apache-2.0
// The FIPS 140-2 power-up tests egdd adds to its startup test (SP 800-90B 4.3)
// on the first 20,000 bits after every power-on, where the assessed source is
// near full entropy (egdd/device.cc): monobit, poker, runs, long run, which are
// AIS 31's T1-T4 with FIPS's tighter bounds; the runs test uses the 2001-10-10
// table (as rngtest does), so an ideal source fails ~0.09% of startups instead
// of ~0.45%. FIPS's continuous test is left out: it is not a power-up test, and
// the SP 800-90B repetition count test runs on every sample instead. A failed
// startup is an alarm like any other.
#pragma once

#include "health/health.h"

namespace egd {

StartupTest Fips140StartupTest();

}  // namespace egd
