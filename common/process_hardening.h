// SPDX-License-Identifier: Apache-2.0
// What every daemon that holds entropy does first (OpenSSH does the same):
// it makes itself non-dumpable (PR_SET_DUMPABLE 0: no core dump, no ptrace
// attach or /proc/PID/mem access by other processes of the same user) and sets
// its core size limit to zero, hard and soft, so a crash never writes its
// memory to disk. Returns an error only if the kernel refuses.
#pragma once

#include "common/status.h"

namespace egd {

Status HardenProcess();

// Whether the process is dumpable (PR_GET_DUMPABLE); for tests and status.
bool ProcessDumpable();

}  // namespace egd
