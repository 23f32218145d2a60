// SPDX-License-Identifier: Apache-2.0
#include "egdd/egdctl_capture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/control_client.h"
#include "common/egd_codec.h"
#include "common/net_address.h"
#include "common/secure_memory.h"
#include "common/progress.h"

namespace egdctl {
namespace {

using egd::FinalLine;
using egd::Grouped;
using egd::Progress;

constexpr uint64_t kAhead = 16 * 255;  // bytes requested and not yet received

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { if (fd_ >= 0) ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = o.release();
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Connects a blocking stream socket to `address` (unix:/PATH or numeric HOST:PORT).
egd::Status Connect(const std::string& address, Fd* out) {
  egd::NetAddress a;
  if (egd::Status st = egd::ParseNetAddress(address, true, &a); !st.ok()) return st;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (a.is_unix) {
    auto* un = reinterpret_cast<sockaddr_un*>(&ss);
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, a.path.c_str(), a.path.size() + 1);
    len = sizeof(sockaddr_un);
  } else if (a.host.find(':') != std::string::npos) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(a.port);
    inet_pton(AF_INET6, a.host.c_str(), &in6->sin6_addr);
    len = sizeof(sockaddr_in6);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(a.port);
    inet_pton(AF_INET, a.host.c_str(), &in->sin_addr);
    len = sizeof(sockaddr_in);
  }
  Fd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return egd::ErrnoStatus("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return egd::ErrnoStatus("cannot connect to " + address);
  }
  *out = Fd(fd.release());
  return egd::Status::Ok();
}

// --egd, else the first plain listener egdd reports; `note` says what egdd's state means.
std::string ChooseAddress(const Options& o, std::string* note) {
  std::string text;
  nlohmann::json stats;
  if (egd::ControlRequest(o.socket, "stats", &text).ok()) {
    stats = nlohmann::json::parse(text, nullptr, false);
  }
  std::string state = stats.is_object() ? stats.value("state", "") : "";
  if (!state.empty() && state != "running") {
    *note = "egdd's device is " + state + ": the capture waits for tested bytes" +
            (state == "standby" ? " (start it with egdctl init)" : "");
  }
  if (!o.egd.empty()) return o.egd;
  std::vector<std::string> listen;
  if (stats.is_object() && stats.contains("listen") && stats["listen"].is_array()) {
    for (const auto& l : stats["listen"]) {
      if (l.is_string()) listen.push_back(l.get<std::string>());
    }
  }
  return DefaultEgdAddress(listen);
}

// Writes all of p[0, n) to a file, or a socket (then without SIGPIPE).
bool WriteAll(int fd, const uint8_t* p, size_t n, bool socket = false) {
  while (n) {
    ssize_t w = socket ? ::send(fd, p, n, MSG_NOSIGNAL) : ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// The capture proper, once the socket and the file are open.
class Capturer {
 public:
  Capturer(const Options& o, int sock, int file, std::ostream& err)
      : o_(o), sock_(sock), file_(file),
        writer_(err, ::isatty(STDERR_FILENO), "egdctl: capture: "), buf_(4096) {
    p_.total = o.capture_bytes;
  }

  // Returns an exit code; *why says why it ended early.
  int Run(std::string* why) {
    start_ = std::chrono::steady_clock::now();
    int code = kExitCaptured;
    while (p_.done < p_.total && code == kExitCaptured) {
      code = Step(why);
      Report();
    }
    return code;
  }

  Progress progress() {
    p_.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return p_;
  }
  void ClearLine() {
    writer_.Erase();
  }

 private:
  // One round: top up the requests, wait up to 250 ms for bytes, store them.
  int Step(std::string* why) {
    if (g_stop) return Stop(why, "interrupted", kExitInterrupted);
    if (!Request()) return Stop(why, egd::ErrnoText("sending to egdd"), kExitCaptureFailed);
    pollfd pfd{sock_, POLLIN, 0};
    int r = ::poll(&pfd, 1, 250);
    if (r < 0 && errno != EINTR) return Stop(why, egd::ErrnoText("poll"), kExitCaptureFailed);
    if (r <= 0) return kExitCaptured;  // a signal (checked next round) or nothing yet
    ssize_t n = ::read(sock_, buf_.data(), std::min<uint64_t>(buf_.size(), p_.total - p_.done));
    if (n < 0 && errno == EINTR) return kExitCaptured;
    if (n < 0) return Stop(why, egd::ErrnoText("reading from egdd"), kExitCaptureFailed);
    if (n == 0) return Stop(why, "egdd closed the connection", kExitCaptureFailed);
    if (!Store(static_cast<size_t>(n))) {
      return Stop(why, egd::ErrnoText("writing " + o_.capture_file), kExitCaptureFailed);
    }
    return kExitCaptured;
  }

  static int Stop(std::string* why, std::string text, int code) {
    *why = std::move(text);
    return code;
  }

  // Keeps kAhead bytes requested, never beyond the total.
  bool Request() {
    std::vector<uint8_t> wire;
    uint64_t want = std::min(kAhead, p_.total - p_.done);
    while (requested_ < p_.done + want) {
      uint64_t n = std::min<uint64_t>(255, p_.done + want - requested_);
      egd::EncodeRequest({egd::Command::kReadBlocking, static_cast<uint8_t>(n)}, &wire);
      requested_ += n;
    }
    return WriteAll(sock_, wire.data(), wire.size(), true);
  }

  bool Store(size_t n) {
    bool ok = WriteAll(file_, buf_.data(), n);
    egd::WipeContents(buf_);
    p_.done += n;
    return ok;
  }

  void Report() { writer_.Report(progress()); }

  const Options& o_;
  int sock_, file_;
  egd::ProgressWriter writer_;
  egd::SecureBytes buf_;  // tested bytes pass through here: locked, wiped after each write
  Progress p_;
  uint64_t requested_ = 0;
  std::chrono::steady_clock::time_point start_;
};

// Creates FILE 0600, exclusively: with --force an existing one is unlinked first.
egd::Status CreateFile(const Options& o, Fd* out) {
  if (o.force && ::unlink(o.capture_file.c_str()) != 0 && errno != ENOENT) {
    return egd::ErrnoStatus("cannot replace " + o.capture_file);
  }
  int fd = ::open(o.capture_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return egd::ErrnoStatus("cannot create " + o.capture_file);
  *out = Fd(fd);
  return egd::Status::Ok();
}

void CatchStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;  // no SA_RESTART: poll returns EINTR and the loop stops
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

int Capture(const Options& o, std::ostream& out, std::ostream& err) {
  struct stat st {};
  if (!o.force && ::lstat(o.capture_file.c_str(), &st) == 0) {
    err << "egdctl: capture: " << o.capture_file << " exists; use --force to replace it\n";
    return kExitCaptureUsage;
  }
  std::string note;
  std::string address = ChooseAddress(o, &note);
  Fd sock;
  if (egd::Status s = Connect(address, &sock); !s.ok()) {
    err << "egdctl: capture: " << s.message() << " (choose the EGD socket with --egd)\n";
    return kExitCaptureUsage;
  }
  CatchStopSignals();  // from here on a Ctrl-C leaves a file behind: say which
  Fd file;
  if (egd::Status s = CreateFile(o, &file); !s.ok()) {
    err << "egdctl: capture: " << s.message() << "\n";
    return kExitCaptureUsage;
  }
  err << "egdctl: capturing " << Grouped(o.capture_bytes) << " tested bytes from " << address
      << " into " << o.capture_file << (note.empty() ? "" : "; " + note) << std::endl;
  Capturer c(o, sock.get(), file.get(), err);
  std::string why;
  int code = c.Run(&why);
  c.ClearLine();
  Progress p = c.progress();
  if (::close(file.release()) != 0 && code == kExitCaptured) {
    why = egd::ErrnoText("closing " + o.capture_file);
    code = kExitCaptureFailed;
  }
  if (code != kExitCaptured) {
    err << "egdctl: capture stopped (" << why << ") after " << Grouped(p.done) << " of "
        << Grouped(p.total) << " bytes; the partial capture is in " << o.capture_file << "\n";
    return code;
  }
  out << "egdctl: captured " << FinalLine(p) << " into " << o.capture_file << "\n";
  return kExitCaptured;
}

}  // namespace egdctl
