#include "firmware/sim/pty_port.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

namespace trng::sim {

bool PtyPort::Open(std::string* error) {
  Close();
  const int fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    *error = std::string("posix_openpt: ") + std::strerror(errno);
    return false;
  }
  termios tio{};
  const char* name = nullptr;
  if (grantpt(fd) != 0 || unlockpt(fd) != 0 || (name = ptsname(fd)) == nullptr ||
      tcgetattr(fd, &tio) != 0) {
    *error = std::string("pty setup: ") + std::strerror(errno);
    ::close(fd);
    return false;
  }
  // Termios requests on the master apply to the slave: a raw 8-bit line.
  cfmakeraw(&tio);
  cfsetispeed(&tio, B9600);
  cfsetospeed(&tio, B9600);
  tcsetattr(fd, TCSANOW, &tio);
  fd_ = fd;
  slave_path_ = name;
  return true;
}

void PtyPort::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  slave_path_.clear();
}

void PtyPort::Read(std::deque<uint8_t>* rx) {
  if (fd_ < 0) return;
  uint8_t buf[256];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) return;  // EAGAIN: nothing; EIO: no host attached
    rx->insert(rx->end(), buf, buf + n);
  }
}

size_t PtyPort::Write(const uint8_t* data, size_t n) {
  if (fd_ < 0 || !HostAttached()) return n;
  const ssize_t w = ::write(fd_, data, n);
  return w < 0 ? 0 : static_cast<size_t>(w);
}

bool PtyPort::HostAttached() const {
  pollfd p{fd_, 0, 0};
  return ::poll(&p, 1, 0) >= 0 && (p.revents & POLLHUP) == 0;
}

bool PointLink(const std::string& link, const std::string& target, std::string* error) {
  const std::string tmp = link + ".new";
  ::unlink(tmp.c_str());
  if (::symlink(target.c_str(), tmp.c_str()) != 0 || ::rename(tmp.c_str(), link.c_str()) != 0) {
    *error = "symlink " + link + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

void RemoveLink(const std::string& link) {
  struct stat st {};
  if (::lstat(link.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) ::unlink(link.c_str());
}

}  // namespace trng::sim
