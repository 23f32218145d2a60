// SPDX-License-Identifier: Apache-2.0
#include "common/process_hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace egd {

Status HardenProcess() {
  rlimit none{0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) {
    return ErrnoStatus("setrlimit(RLIMIT_CORE, 0)");
  }
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return ErrnoStatus("prctl(PR_SET_DUMPABLE, 0)");
  }
  return Status::Ok();
}

bool ProcessDumpable() { return ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1; }

}  // namespace egd
