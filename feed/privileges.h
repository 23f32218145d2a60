// SPDX-License-Identifier: Apache-2.0
// egd-feed's privileges: none at all when it credits nothing, CAP_SYS_ADMIN
// alone when it credits.
//
// Mixing bytes into the kernel's pool is a plain write(2) to /dev/random, which
// any user may do (the device is 0666 and Linux >= 5.18 mixes written bytes
// without crediting them). Crediting entropy takes ioctl(RNDADDENTROPY), which
// needs CAP_SYS_ADMIN; with that capability a compromised feeder could also
// credit entropy out of nothing (RNDADDTOENTCNT), so it is kept only when the
// configuration asks for credit.
//
// RestrictPrivileges(user, keep), called once at start after the device is open:
//   - the bounding set loses every capability but the one kept, when the process
//     may change it (CAP_SETPCAP: root, before a user switch); otherwise it is
//     left alone (systemd's CapabilityBoundingSet= has emptied it already);
//   - with a user (--user NAME, root only): uid, gid and groups switch to NAME
//     (PR_SET_KEEPCAPS only when CAP_SYS_ADMIN is kept);
//   - permitted and effective hold the kept capability or nothing; ambient is
//     empty; inheritable holds nothing else (systemd's AmbientCapabilities= puts
//     CAP_SYS_ADMIN there too; clearing it would need capset, which the unit's
//     system call filter denies, and with no ambient set under no_new_privs it
//     passes nothing on at exec); no_new_privs is set;
//   - the result is read back (capget), and with a user setuid(0) must fail.
// Keeping CAP_SYS_ADMIN when the process does not hold it is an error that says
// how to grant it. Raw capget/capset system calls: no libcap needed.
//
// Under systemd the unit gives the same end state: User=egd-feed, an empty
// CapabilityBoundingSet=, and a drop-in granting CAP_SYS_ADMIN for crediting
// (see feed/README.md).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace feed {

constexpr int kCapSysAdmin = 21;  // CAP_SYS_ADMIN in <linux/capability.h>

enum class KeepCapability { kNone, kSysAdmin };

egd::Status RestrictPrivileges(const std::string& user, KeepCapability keep);

// Drops every capability left in permitted, effective, inheritable and ambient
// (a reload to credit 0): for good, a later reload cannot get it back. Needs
// capset: fails with EPERM under the packaged unit's system call filter.
egd::Status DropAllCapabilities();

// The process's capability sets (bit N = capability N); for checks and logs.
struct CapabilitySets {
  uint64_t effective = 0;
  uint64_t permitted = 0;
  uint64_t inheritable = 0;
};
CapabilitySets CurrentCapabilities();

bool HasEffectiveCapability(int cap);

}  // namespace feed
