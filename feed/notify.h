// SPDX-License-Identifier: Apache-2.0
// sd_notify(3) without libsystemd: one datagram of "KEY=VALUE\n" lines to the
// unix socket named by $NOTIFY_SOCKET (a path, or "@name" in the abstract
// namespace). Without $NOTIFY_SOCKET (not started by systemd with Type=notify)
// it does nothing and succeeds. egd-feed sends READY=1 once its first feed is
// done (or after a short wait, see feed/README.md) and STATUS= lines after.
#pragma once

#include <string_view>

#include "common/status.h"

namespace feed {

egd::Status Notify(std::string_view state);

}  // namespace feed
