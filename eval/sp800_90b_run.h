// SPDX-License-Identifier: Apache-2.0
// egd-eval's SP 800-90B procedures (90b, 90b-iid, 90b-restart): prepare the
// samples, run the assessment, print it to stdout (text or JSON) and errors
// to stderr. Returns the exit code: 0 once the procedure ran, whatever it
// found; 2 when the data cannot be assessed (the reason on stderr).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "eval/cli.h"

namespace egdstat {

bool IsSp80090bProcedure(const std::string& procedure);
int RunSp80090b(const CliOptions& options, std::span<const uint8_t> data);

}  // namespace egdstat
