// Running with no privilege but CAP_SYS_ADMIN (which RNDADDENTROPY needs).
//
// DropPrivileges(user), called as root after everything that needs root is
// open: removes every other capability from the bounding set, switches to the
// user's uid, gid and groups with PR_SET_KEEPCAPS, leaves only CAP_SYS_ADMIN in
// the permitted and effective sets (nothing inheritable or ambient), and sets
// no_new_privs. It then checks that the switch holds (setuid(0) must fail).
// Raw capget/capset system calls: no libcap needed.
//
// Under systemd the same end state comes from User= plus
// AmbientCapabilities=CAP_SYS_ADMIN and CapabilityBoundingSet=CAP_SYS_ADMIN,
// without --user (see feed/README.md).
#pragma once

#include <string>

#include "common/status.h"

namespace feed {

constexpr int kCapSysAdmin = 21;  // CAP_SYS_ADMIN in <linux/capability.h>

egd::Status DropPrivileges(const std::string& user);

bool HasEffectiveCapability(int cap);

}  // namespace feed
