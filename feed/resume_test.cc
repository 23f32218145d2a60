// SPDX-License-Identifier: Apache-2.0
#include "feed/resume.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "feed/notify.h"
#include "feed/uevent_listener.h"

namespace feed {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using namespace std::string_literals;

TEST_CASE("a CLOCK_BOOTTIME jump above the threshold is a resume") {
  ResumeDetector d(seconds(1));
  CHECK_FALSE(d.Update(seconds(5)));                      // baseline
  CHECK_FALSE(d.Update(seconds(5) + milliseconds(2)));    // clock-reading noise
  CHECK_FALSE(d.Update(seconds(5) + milliseconds(999)));  // 997 ms: below
  auto jump = d.Update(seconds(65));
  REQUIRE(jump);
  CHECK(*jump == seconds(65) - (seconds(5) + milliseconds(999)));
  CHECK_FALSE(d.Update(seconds(65)));  // once
  CHECK_FALSE(d.Update(seconds(64)));  // backwards (cannot happen): not a resume
  d.set_threshold(milliseconds(100));
  CHECK(d.Update(seconds(64) + milliseconds(150)));
}

TEST_CASE("the clocks: CLOCK_BOOTTIME is at least CLOCK_MONOTONIC") {
  CHECK(SuspendedTime() >= nanoseconds(0));
  CHECK(BootTime() > nanoseconds(0));
}

// As drivers/virt/vmgenid.c sends it: kobject_uevent_env(KOBJ_CHANGE, {"NEW_VMGENID=1"}).
const std::string kVmgenid =
    "change@/devices/platform/QEMUVGID:00\0ACTION=change\0DEVPATH=/devices/platform/"
    "QEMUVGID:00\0SUBSYSTEM=platform\0NEW_VMGENID=1\0DRIVER=vmgenid\0"
    "MODALIAS=acpi:QEMUVGID:VM_GEN_COUNTER:\0SEQNUM=4242\0"s;

TEST_CASE("the vmgenid uevent is recognised") {
  CHECK(IsVmGenerationChange(kVmgenid));
  // Without the trailing NUL, or with the fields in another order.
  CHECK(IsVmGenerationChange(kVmgenid.substr(0, kVmgenid.size() - 1)));
  CHECK(IsVmGenerationChange("change@/devices/LNXSYSTM:00/VMGEN\0NEW_VMGENID=1\0ACTION=change"s));
}

TEST_CASE("other uevents are not a VM generation change") {
  CHECK_FALSE(IsVmGenerationChange(""));
  CHECK_FALSE(IsVmGenerationChange("change@/devices/platform/QEMUVGID:00"s));
  CHECK_FALSE(IsVmGenerationChange(
      "add@/devices/platform/QEMUVGID:00\0ACTION=add\0NEW_VMGENID=1\0"s));
  CHECK_FALSE(IsVmGenerationChange(
      "change@/devices/x\0ACTION=remove\0NEW_VMGENID=1\0"s));      // contradicts the header
  CHECK_FALSE(IsVmGenerationChange("change@/devices/x\0NEW_VMGENID=0\0"s));
  CHECK_FALSE(IsVmGenerationChange("change@/devices/x\0XNEW_VMGENID=1\0"s));
  CHECK_FALSE(IsVmGenerationChange("change@/devices/x\0NEW_VMGENID=11\0"s));
  // A synthetic event ("change UUID NEW_VMGENID=1" written to a uevent file).
  CHECK_FALSE(IsVmGenerationChange(
      "change@/devices/x\0ACTION=change\0SYNTH_UUID=0\0SYNTH_ARG_NEW_VMGENID=1\0"s));
  // udev's re-broadcast starts with "libudev" and a binary header.
  CHECK_FALSE(IsVmGenerationChange("libudev\0\xfe\xed\xca\xfe\0NEW_VMGENID=1\0"s));
}

TEST_CASE("UeventListener calls back for each vmgenid datagram, on the io_context") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds) == 0);
  boost::asio::io_context io;
  int changes = 0;
  UeventListener listener(io, fds[0], false, [&] { ++changes; });
  const std::string other = "change@/devices/x\0ACTION=change\0SEQNUM=1\0"s;
  for (const std::string& d : {kVmgenid, other, kVmgenid}) {
    REQUIRE(::send(fds[1], d.data(), d.size(), 0) == static_cast<ssize_t>(d.size()));
  }
  io.run_for(milliseconds(200));
  CHECK(changes == 2);
  listener.Stop();
  io.restart();
  io.run_for(milliseconds(50));  // the wait ends with operation_aborted, nothing else runs
  ::close(fds[1]);
}

TEST_CASE("UeventListener ignores senders other than the kernel") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds) == 0);
  boost::asio::io_context io;
  int changes = 0;
  UeventListener listener(io, fds[0], true, [&] { ++changes; });  // a unix peer is not it
  REQUIRE(::send(fds[1], kVmgenid.data(), kVmgenid.size(), 0) > 0);
  io.run_for(milliseconds(100));
  CHECK(changes == 0);
  ::close(fds[1]);
}

TEST_CASE("UeventListener::Open: the kernel's uevent socket, where netlink is allowed") {
  boost::asio::io_context io;
  std::unique_ptr<UeventListener> listener;
  egd::Status st = UeventListener::Open(io, [] {}, &listener);
  if (st.ok()) {
    CHECK(listener);
  } else {
    CHECK(st.message().find("uevent socket") == 0);  // a seccomp or namespace refusal
  }
}

TEST_CASE("Notify: a datagram to $NOTIFY_SOCKET, nothing without it") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK(Notify("READY=1").ok());
  char dir[] = "/tmp/feed-notify-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string path = std::string(dir) + "/notify";
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  CHECK(Notify("READY=1\nSTATUS=fed 64 bytes").ok());
  char got[128] = {};
  ssize_t n = ::recv(fd, got, sizeof got, MSG_DONTWAIT);
  CHECK(std::string(got, n > 0 ? static_cast<size_t>(n) : 0) == "READY=1\nSTATUS=fed 64 bytes");
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  CHECK_FALSE(Notify("READY=1").ok());
  ::unsetenv("NOTIFY_SOCKET");
  ::close(fd);
  ::unlink(path.c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace feed
