// SPDX-License-Identifier: Apache-2.0
// The startup test egdd runs on the first 20,000 bits after every power-on:
// the FIPS 140-2 power-up tests (monobit, poker, runs, long run), which are
// AIS 31's T1-T4 with FIPS's tighter bounds; the runs test uses the 2001-10-10
// table (as rngtest does), so an ideal source fails ~0.09% of startups instead
// of ~0.45%. The continuous 16-bit block test is left out on purpose: it fails
// ~2% of ideal 20,000-bit samples. A failed startup is an alarm like any other.
#pragma once

#include "health/health.h"

namespace egd {

StartupTest Fips140StartupTest();

}  // namespace egd
