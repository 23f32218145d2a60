// SPDX-License-Identifier: Apache-2.0
// `egdctl init` and `restart` wait for the outcome: egdd accepts the command
// at once (state initializing) and the startup test, or first an SP 800-90B
// assessment of a device egdd has not seen, decides later. WaitForRunning
// polls `status` every 50 ms until the device is running, its start failed
// (failed, device_lost, a file source that ended first, or someone else's
// shutdown), or the timeout passed. JudgeStatus is the pure part.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

namespace egdctl {

enum class Phase {
  kRunning,      // the startup test passed
  kWaiting,      // initializing: startup test or assessment under way
  kFailed,       // a health alarm (state failed)
  kDeviceLost,   // the device could not be opened or vanished
  kSourceEnded,  // a file source ended before the startup test could finish
  kStandby,      // shut down meanwhile
};

struct Judgement {
  Phase phase = Phase::kWaiting;
  std::string text;        // what is happening, or why it failed
  bool assessing = false;  // an assessment is running (the wait can be long)
};

// Reads egdd's `status` reply (or one element of its "sources").
Judgement JudgeStatus(const nlohmann::json& status);
// The wait for `source` (a name) or, "" with several sources, for all of
// them: waiting while any is, running when all are, else the first source
// that did not start ("NAME: why").
Judgement JudgeSources(const nlohmann::json& status, const std::string& source);

// Exit codes of a waiting init/restart.
constexpr int kExitRunning = 0;
constexpr int kExitStartFailed = 1;
constexpr int kExitTrouble = 2;   // egdd stopped answering
constexpr int kExitTimedOut = 3;  // still initializing at the timeout

// `reply` is egdd's accepting reply to init/restart. Prints the outcome as
// JSON on `out` (egdd's reply with ok, message, state, state_reason and
// waited_s brought up to date; error on failure) and, when `terminal`,
// progress redrawn in place on `err`. Returns one of the exit codes above.
// `source` is the source named on the command line ("" = every source).
int WaitForRunning(const std::string& socket, nlohmann::json reply, const std::string& source,
                   std::chrono::milliseconds timeout, bool terminal, std::ostream& out,
                   std::ostream& err);

}  // namespace egdctl
