// SPDX-License-Identifier: Apache-2.0
#include "feed/privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

namespace feed {
namespace {

using egd::Status;

constexpr int kCapSetPcap = 8;  // CAP_SETPCAP: changing the bounding set

struct Caps {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
};

uint64_t Bit(int cap) { return uint64_t{1} << cap; }

uint64_t Join(uint32_t low, uint32_t high) { return (uint64_t{high} << 32) | low; }

std::string Hex(uint64_t caps) {
  char text[20];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(caps));
  return text;
}

Status Errno(const std::string& what) {
  return egd::ErrnoStatus("dropping privileges: " + what);
}

int LastCap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = 40;  // CAP_CHECKPOINT_RESTORE, if /proc says nothing
  in >> last;
  return last;
}

// Removes every capability not in `keep` from the bounding set. Only a process
// holding CAP_SETPCAP may; others keep the set they were given.
Status NarrowBoundingSet(uint64_t keep) {
  if (!HasEffectiveCapability(kCapSetPcap)) return Status::Ok();
  for (int cap = 0; cap <= LastCap(); ++cap) {
    if ((keep & Bit(cap)) || ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) return Errno("PR_CAPBSET_DROP");
  }
  return Status::Ok();
}

Status LookUpUser(const std::string& user, passwd* pw, std::vector<char>* buffer) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  buffer->resize(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd* found = nullptr;
  int err = ::getpwnam_r(user.c_str(), pw, buffer->data(), buffer->size(), &found);
  if (!found) {
    return Status::Error("dropping privileges: no user '" + user + "'" +
                         (err ? std::string(": ") + std::strerror(err) : ""));
  }
  if (::geteuid() != 0) return Status::Error("dropping privileges: --user needs to start as root");
  if (pw->pw_uid == 0) return Status::Error("dropping privileges: '" + user + "' is root");
  return Status::Ok();
}

// Without PR_SET_KEEPCAPS the kernel clears permitted, effective and ambient
// when the last uid 0 goes: keep_caps only when a capability is to survive.
Status SwitchUser(const passwd& pw, bool keep_caps) {
  if (keep_caps && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return Errno("PR_SET_KEEPCAPS");
  if (::initgroups(pw.pw_name, pw.pw_gid) != 0) return Errno("initgroups");
  if (::setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) != 0) return Errno("setresgid");
  if (::setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) != 0) return Errno("setresuid");
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return Errno("PR_SET_KEEPCAPS");
  return Status::Ok();
}

// permitted = effective = keep; inheritable loses all but keep; nothing ambient.
// capset only when a set must change: under systemd the sets are already right
// (empty, or CAP_SYS_ADMIN from the credit drop-in), and the unit's system call
// filter (~@privileged) denies capset.
Status KeepOnly(uint64_t keep) {
  CapabilitySets now = CurrentCapabilities();
  const uint64_t inheritable = now.inheritable & keep;
  if (now.permitted != keep || now.effective != keep || now.inheritable != inheritable) {
    Caps caps;
    for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; ++i) {
      caps.data[i].permitted = caps.data[i].effective = static_cast<uint32_t>(keep >> (32 * i));
      caps.data[i].inheritable = static_cast<uint32_t>(inheritable >> (32 * i));
    }
    if (::syscall(SYS_capset, &caps.header, caps.data) != 0) return Errno("capset");
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return Errno("PR_CAP_AMBIENT_CLEAR_ALL");
  }
  return Status::Ok();
}

// Reads the sets back: what the kernel holds, not what was asked for.
Status Verify(uint64_t keep) {
  CapabilitySets now = CurrentCapabilities();
  if (now.effective != keep || now.permitted != keep || (now.inheritable & ~keep) != 0) {
    return Status::Error("dropping privileges: capabilities effective " + Hex(now.effective) +
                         ", permitted " + Hex(now.permitted) + ", inheritable " +
                         Hex(now.inheritable) + "; expected " + Hex(keep) + ", " + Hex(keep) +
                         ", at most " + Hex(keep));
  }
  for (int cap = 0; cap <= LastCap(); ++cap) {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1) {
      return Status::Error("dropping privileges: capability " + std::to_string(cap) +
                           " is still ambient");
    }
  }
  return Status::Ok();
}

}  // namespace

CapabilitySets CurrentCapabilities() {
  Caps caps;
  CapabilitySets out;
  if (::syscall(SYS_capget, &caps.header, caps.data) != 0) return out;
  out.effective = Join(caps.data[0].effective, caps.data[1].effective);
  out.permitted = Join(caps.data[0].permitted, caps.data[1].permitted);
  out.inheritable = Join(caps.data[0].inheritable, caps.data[1].inheritable);
  return out;
}

bool HasEffectiveCapability(int cap) { return (CurrentCapabilities().effective & Bit(cap)) != 0; }

Status RestrictPrivileges(const std::string& user, KeepCapability keep) {
  const uint64_t kept = keep == KeepCapability::kSysAdmin ? Bit(kCapSysAdmin) : 0;
  passwd pw{};
  std::vector<char> buffer;
  if (!user.empty()) {
    if (Status st = LookUpUser(user, &pw, &buffer); !st.ok()) return st;
  }
  if ((CurrentCapabilities().permitted & kept) != kept) {
    return Status::Error("CAP_SYS_ADMIN is not among this process's permitted capabilities");
  }
  Status st = NarrowBoundingSet(kept);  // needs CAP_SETPCAP: before the switch
  if (st.ok() && !user.empty()) st = SwitchUser(pw, kept != 0);
  if (st.ok()) st = KeepOnly(kept);
  if (st.ok() && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) st = Errno("PR_SET_NO_NEW_PRIVS");
  if (st.ok()) st = Verify(kept);
  if (!st.ok()) return st;
  if (!user.empty() && ::setuid(0) == 0) {
    return Status::Error("dropping privileges: setuid(0) still works");
  }
  return Status::Ok();
}

Status DropAllCapabilities() {
  Status st = KeepOnly(0);
  return st.ok() ? Verify(0) : st;
}

}  // namespace feed
