// SPDX-License-Identifier: Apache-2.0
#include "feed/uevent_listener.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "common/log.h"
#include "feed/resume.h"

namespace feed {

namespace asio = boost::asio;

egd::Status UeventListener::Open(asio::io_context& io, Callback on_change,
                                 std::unique_ptr<UeventListener>* out) {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    NETLINK_KOBJECT_UEVENT);
  if (fd < 0) return egd::ErrnoStatus("uevent socket (AF_NETLINK)");
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = 1;  // the kernel's own uevents (udev re-broadcasts on group 2)
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    egd::Status st = egd::ErrnoStatus("uevent socket: bind");
    ::close(fd);
    return st;
  }
  *out = std::make_unique<UeventListener>(io, fd, true, std::move(on_change));
  return egd::Status::Ok();
}

UeventListener::UeventListener(asio::io_context& io, int fd, bool kernel_only,
                               Callback on_change)
    : socket_(io, fd), kernel_only_(kernel_only), on_change_(std::move(on_change)) {
  socket_.non_blocking(true);
  Wait();
}

UeventListener::~UeventListener() { Stop(); }

void UeventListener::Stop() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void UeventListener::Wait() {
  socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                     [this](const boost::system::error_code& ec) {
                       if (ec) return;  // closed (this may be gone): nothing to touch
                       Drain();
                       Wait();
                     });
}

// Reads every datagram queued; uevents are at most a few kilobytes (the
// kernel's UEVENT_BUFFER_SIZE is 2048 for the fields), a truncated one is
// not the small vmgenid event.
void UeventListener::Drain() {
  char buffer[8192];
  for (;;) {
    sockaddr_nl from{};
    iovec iov{buffer, sizeof buffer};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != ENOBUFS) return;  // EAGAIN: drained
      // The kernel dropped uevents (a burst, e.g. at boot); read on.
      egd::Log(egd::LogLevel::kDebug, "uevent socket overrun");
      continue;
    }
    const bool from_kernel =
        msg.msg_namelen >= sizeof from && from.nl_family == AF_NETLINK && from.nl_pid == 0;
    if ((msg.msg_flags & MSG_TRUNC) || (kernel_only_ && !from_kernel)) continue;
    if (IsVmGenerationChange(std::string_view(buffer, static_cast<size_t>(n)))) on_change_();
  }
}

}  // namespace feed
