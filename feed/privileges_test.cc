// SPDX-License-Identifier: Apache-2.0
// RestrictPrivileges changes the process for good, so each case runs it in a
// forked child and reads the outcome from the child's exit code.
#include "feed/privileges.h"

#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include <catch2/catch.hpp>

namespace feed {
namespace {

constexpr uint64_t kSysAdminBit = uint64_t{1} << kCapSysAdmin;

enum Outcome { kOk = 0, kRefused, kWrongSets, kWrongBounding, kNoNoNewPrivs, kWrongUser, kCrashed };

int InChild(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : kCrashed;
}

bool Root() { return ::geteuid() == 0; }
bool MaySysAdmin() { return (CurrentCapabilities().permitted & kSysAdminBit) != 0; }

// The bounding set holds exactly `want` (checked only where it could be narrowed).
bool BoundingIs(uint64_t want) {
  for (int cap = 0; cap < 64; ++cap) {
    int in = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (in < 0) break;  // past cap_last_cap
    if ((in == 1) != ((want >> cap) & 1)) return false;
  }
  return true;
}

int Restrict(const std::string& user, KeepCapability keep, uint64_t want, bool check_bounding) {
  if (!RestrictPrivileges(user, keep).ok()) return kRefused;
  CapabilitySets c = CurrentCapabilities();
  if (c.effective != want || c.permitted != want || (c.inheritable & ~want) != 0) return kWrongSets;
  if (check_bounding && !BoundingIs(want)) return kWrongBounding;
  if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return kNoNoNewPrivs;
  return kOk;
}

TEST_CASE("credit 0: no capability is left in any set, no_new_privs is set") {
  bool root = Root();
  CHECK(InChild([root] { return Restrict("", KeepCapability::kNone, 0, root); }) == kOk);
}

TEST_CASE("crediting: CAP_SYS_ADMIN alone is kept") {
  if (!MaySysAdmin()) {
    WARN("CAP_SYS_ADMIN is not permitted here: not tested");
    return;
  }
  bool root = Root();
  CHECK(InChild([root] {
          return Restrict("", KeepCapability::kSysAdmin, kSysAdminBit, root);
        }) == kOk);
}

TEST_CASE("crediting without CAP_SYS_ADMIN is refused with a message, nothing kept") {
  CHECK(InChild([] {
          if (!DropAllCapabilities().ok()) return static_cast<int>(kWrongSets);
          egd::Status st = RestrictPrivileges("", KeepCapability::kSysAdmin);
          if (st.ok()) return static_cast<int>(kOk);
          bool said = st.message() ==
                      "CAP_SYS_ADMIN is not among this process's permitted capabilities";
          return said && CurrentCapabilities().permitted == 0 ? static_cast<int>(kRefused)
                                                              : static_cast<int>(kWrongSets);
        }) == kRefused);
}

TEST_CASE("as root with a user: the uid switches, only the kept capability survives, setuid(0) fails") {
  passwd* nobody = ::getpwnam("nobody");
  if (!Root() || !nobody) {
    WARN("needs root and a user 'nobody': not tested");
    return;
  }
  uid_t uid = nobody->pw_uid;
  for (KeepCapability keep : {KeepCapability::kNone, KeepCapability::kSysAdmin}) {
    uint64_t want = keep == KeepCapability::kSysAdmin ? kSysAdminBit : 0;
    CHECK(InChild([=] {
            int r = Restrict("nobody", keep, want, true);
            if (r != kOk) return r;
            if (::getuid() != uid || ::geteuid() != uid) return static_cast<int>(kWrongUser);
            return ::setuid(0) == 0 ? static_cast<int>(kWrongUser) : static_cast<int>(kOk);
          }) == kOk);
  }
}

TEST_CASE("a user switch needs root and a known user") {
  CHECK(InChild([] {
          egd::Status st = RestrictPrivileges("no-such-user-egd", KeepCapability::kNone);
          return st.message() == "dropping privileges: no user 'no-such-user-egd'"
                     ? static_cast<int>(kRefused)
                     : static_cast<int>(kOk);
        }) == kRefused);
}

}  // namespace
}  // namespace feed
