#include "bench/hold.h"


#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "common/status.h"

namespace egdbench {

namespace {

using Clock = std::chrono::steady_clock;

// A server that has not answered `00` after this is considered stuck.
constexpr int kReplyTimeoutMs = 10000;

// Closes every descriptor it holds when it goes out of scope.
struct Fds {
  std::vector<int> fds;
  ~Fds() {
    for (int fd : fds) ::close(fd);
  }
};


// Reads exactly `n` bytes within kReplyTimeoutMs; "" or the reason it failed.
std::string ReadExact(int fd, uint8_t* buf, size_t n) {
  auto deadline = Clock::now() + std::chrono::milliseconds(kReplyTimeoutMs);
  while (n > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (r == 0) return "no answer within 10 s";
    if (r < 0 && errno != EINTR) return egd::ErrnoText("poll");
    if (r < 0) continue;
    ssize_t got = ::read(fd, buf, n);
    if (got == 0) return "closed by the server";
    if (got < 0 && errno != EINTR) return egd::ErrnoText("read");
    if (got > 0) {
      buf += got;
      n -= static_cast<size_t>(got);
    }
  }
  return "";
}

// Sends `burst` pipelined `02 255` requests and reads their answers.
std::string Burst(int fd, int burst) {
  std::vector<uint8_t> requests;
  for (int i = 0; i < burst; ++i) requests.insert(requests.end(), {0x02, 0xff});
  if (::write(fd, requests.data(), requests.size()) != static_cast<ssize_t>(requests.size())) {
    return egd::ErrnoText("write");
  }
  std::vector<uint8_t> answers(static_cast<size_t>(burst) * 255);
  return ReadExact(fd, answers.data(), answers.size());
}

// Connects, asks `00` and reads its 4-byte answer, reads a burst if asked,
// then writes `02 park` if asked.
std::string OpenOne(const HoldOptions& options, int* out) {
  const auto& target = options.target;
  int fd = ::socket(target.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return egd::ErrnoText("socket");
  *out = fd;
  if (::connect(fd, target.data(), static_cast<socklen_t>(target.size())) != 0) {
    return egd::ErrnoText("connect");
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const uint8_t count_request = 0x00;
  if (::write(fd, &count_request, 1) != 1) return egd::ErrnoText("write");
  uint8_t answer[4];
  std::string error = ReadExact(fd, answer, sizeof answer);
  if (error.empty() && options.burst > 0) error = Burst(fd, options.burst);
  if (!error.empty() || options.park == 0) return error;
  const uint8_t read_request[2] = {0x02, static_cast<uint8_t>(options.park)};
  if (::write(fd, read_request, 2) != 2) return egd::ErrnoText("write");
  return "";
}

// Waits for SIGINT or SIGTERM (blocked by the caller), at most `seconds`.
void WaitForSignal(double seconds) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(seconds));
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
    timespec ts{static_cast<time_t>(left.count() / 1000000000),
                static_cast<long>(left.count() % 1000000000)};
    if (::sigtimedwait(&set, nullptr, &ts) > 0) return;
  }
}

}  // namespace

int RunHold(const HoldOptions& options) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);  // received by WaitForSignal only

  Fds held;
  held.fds.reserve(options.connections);
  auto start = Clock::now();
  for (int i = 0; i < options.connections; ++i) {
    int fd = -1;
    std::string error = OpenOne(options, &fd);
    if (fd >= 0) held.fds.push_back(fd);
    if (!error.empty()) {
      std::cerr << "egd-bench hold: connection " << i << ": " << error << "\n";
      return 1;
    }
  }
  double connect_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("held=%d connect_s=%.2f\n", options.connections, connect_s);
  std::fflush(stdout);
  WaitForSignal(options.seconds);
  return 0;
}

}  // namespace egdbench
