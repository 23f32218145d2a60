#include "feed/privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace feed {
namespace {

using egd::Status;

struct Caps {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
};

bool GetCaps(Caps* caps) { return ::syscall(SYS_capget, &caps->header, caps->data) == 0; }

Status Errno(const std::string& what) {
  return Status::Error("dropping privileges: " + what + ": " + std::strerror(errno));
}

int LastCap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = 40;  // CAP_CHECKPOINT_RESTORE, if /proc says nothing
  in >> last;
  return last;
}

// Removes every capability except CAP_SYS_ADMIN from the bounding set (needs CAP_SETPCAP).
Status NarrowBoundingSet() {
  for (int cap = 0; cap <= LastCap(); ++cap) {
    if (cap == kCapSysAdmin || ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) return Errno("PR_CAPBSET_DROP");
  }
  return Status::Ok();
}

Status SwitchUser(const passwd& pw) {
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return Errno("PR_SET_KEEPCAPS");
  if (::initgroups(pw.pw_name, pw.pw_gid) != 0) return Errno("initgroups");
  if (::setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) != 0) return Errno("setresgid");
  if (::setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) != 0) return Errno("setresuid");
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return Errno("PR_SET_KEEPCAPS");
  return Status::Ok();
}

Status KeepOnlySysAdmin() {
  Caps caps;
  caps.data[0].permitted = caps.data[0].effective = 1u << kCapSysAdmin;
  if (::syscall(SYS_capset, &caps.header, caps.data) != 0) return Errno("capset");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return Errno("PR_CAP_AMBIENT_CLEAR_ALL");
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Errno("PR_SET_NO_NEW_PRIVS");
  return Status::Ok();
}

}  // namespace

bool HasEffectiveCapability(int cap) {
  Caps caps;
  if (!GetCaps(&caps)) return false;
  return (caps.data[cap / 32].effective >> (cap % 32)) & 1u;
}

Status DropPrivileges(const std::string& user) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd pw{};
  passwd* found = nullptr;
  int err = ::getpwnam_r(user.c_str(), &pw, buffer.data(), buffer.size(), &found);
  if (!found) {
    return Status::Error("dropping privileges: no user '" + user + "'" +
                         (err ? std::string(": ") + std::strerror(err) : ""));
  }
  if (::geteuid() != 0) return Status::Error("dropping privileges: --user needs to start as root");
  if (pw.pw_uid == 0) return Status::Error("dropping privileges: '" + user + "' is root");
  Status st = NarrowBoundingSet();  // needs CAP_SETPCAP: before the switch
  if (st.ok()) st = SwitchUser(pw);
  if (st.ok()) st = KeepOnlySysAdmin();
  if (!st.ok()) return st;
  if (::setuid(0) == 0) return Status::Error("dropping privileges: setuid(0) still works");
  return Status::Ok();
}

}  // namespace feed
