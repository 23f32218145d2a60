// SPDX-License-Identifier: Apache-2.0
// Listens for the kernel's VM generation change uevent (resume.h) on the
// daemon's io_context: a NETLINK_KOBJECT_UEVENT socket bound to the kernel's
// multicast group (any user may join it; only the kernel may send to it, and
// datagrams from any other sender are ignored), read through an Asio
// posix::stream_descriptor, so no thread and no fd bookkeeping of our own.
//
// Open() fails where netlink sockets are not allowed (a systemd unit whose
// RestrictAddressFamilies= lacks AF_NETLINK, a seccomp filter); the daemon
// then logs it once and relies on the clock check alone. The kernel sends
// uevents only to network namespaces of the initial user namespace: in a
// container the socket opens and stays silent.
//
// Single-threaded: construct, Stop() and destroy on the io_context's thread;
// the callback runs there. Stop() (or the destructor) ends the wait.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "common/status.h"

namespace feed {

class UeventListener {
 public:
  using Callback = std::function<void()>;

  // The kernel's uevent socket; `on_change` runs for each VM generation change.
  static egd::Status Open(boost::asio::io_context& io, Callback on_change,
                          std::unique_ptr<UeventListener>* out);

  // Takes `fd` (a datagram socket, non-blocking or not). kernel_only: ignore
  // datagrams whose sender is not the kernel (netlink port 0); tests pass a
  // socketpair and false.
  UeventListener(boost::asio::io_context& io, int fd, bool kernel_only, Callback on_change);
  ~UeventListener();
  UeventListener(const UeventListener&) = delete;
  UeventListener& operator=(const UeventListener&) = delete;

  void Stop();

 private:
  void Wait();
  void Drain();

  boost::asio::posix::stream_descriptor socket_;
  bool kernel_only_;
  Callback on_change_;
};

}  // namespace feed
