#include "egdd/blocking_source.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

namespace egdd {

BlockingSource::BlockingSource(boost::asio::io_context& io, SourceCallbacks callbacks)
    : io_(io), callbacks_(std::move(callbacks)) {}

BlockingSource::~BlockingSource() { Close(); }

egd::Status BlockingSource::Open() {
  Close();
  int fd = -1;
  egd::Status st = OpenDevice(&fd);
  if (!st.ok()) return st;
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    if (fd >= 0) ::close(fd);
    return egd::ErrnoStatus("eventfd");
  }
  fd_ = fd;
  stopping_ = false;
  request_.reset();
  worker_ = std::thread([this] { WorkerLoop(); });
  return egd::Status::Ok();
}

void BlockingSource::Close() {
  ++generation_;  // results already posted are ignored
  if (!worker_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  worker_.join();
  ::close(wake_fd_);
  wake_fd_ = -1;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void BlockingSource::Read(size_t max) {
  {
    std::lock_guard lock(mu_);
    request_ = max;
  }
  cv_.notify_all();
}

ssize_t BlockingSource::ReadInto(std::span<uint8_t> buf) {
  return ::read(fd_, buf.data(), buf.size());
}

bool BlockingSource::WaitReadable() {
  if (fd_ < 0) return true;
  pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  while (true) {
    int r = ::poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (fds[1].revents) return false;
    return true;  // readable, hung up or error: read() tells which
  }
}

void BlockingSource::WorkerLoop() {
  std::weak_ptr<bool> alive = alive_;
  while (true) {
    size_t max = 0;
    uint64_t gen = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || request_.has_value(); });
      if (stopping_) return;
      max = *request_;
      request_.reset();
      gen = generation_.load();
    }
    if (!WaitReadable()) return;
    egd::SecureBytes buf(max);
    ssize_t n;
    do {
      n = ReadInto(buf);
    } while (n < 0 && errno == EINTR);
    int err = errno;
    if (n > 0) buf.resize(static_cast<size_t>(n));
    ReadResult result = OnReadResult(n, err, std::move(buf));
    boost::asio::post(io_, [this, alive, gen, result = std::move(result)]() {
      if (alive.expired() || gen != generation_) return;
      if (!result.bytes.empty()) {
        callbacks_.on_data(result.bytes);
      } else {
        callbacks_.on_event(result.event, result.why);
      }
    });
  }
}

}  // namespace egdd
