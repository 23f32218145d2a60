#include "egdd/blocking_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include <boost/asio/post.hpp>

namespace egdd {

// What the worker and the io thread share. The worker holds it until it ends.
struct BlockingReader::Channel {
  ~Channel() {
    if (wake_fd >= 0) ::close(wake_fd);
  }
  std::mutex mu;
  std::condition_variable cv;
  std::optional<size_t> request;            // guarded by mu
  bool stopping = false;                    // guarded by mu
  boost::asio::io_context* io = nullptr;    // guarded by mu; null once closed
  int wake_fd = -1;                         // eventfd: wakes a worker in poll(2) for Close
};

struct BlockingReader::Receiver {
  SourceCallbacks callbacks;
};

namespace {

// False when woken for Close.
bool WaitReadable(int fd, int wake_fd) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  while (true) {
    int r = ::poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    return fds[1].revents == 0;  // readable, hung up or error: the read tells which
  }
}

}  // namespace

egd::Status BlockingReader::Start(ReadFn read, int poll_fd, SourceCallbacks callbacks) {
  Close();
  auto channel = std::make_shared<Channel>();
  channel->wake_fd = ::eventfd(0, EFD_CLOEXEC);
  if (channel->wake_fd < 0) return egd::ErrnoStatus("eventfd");
  channel->io = &io_;
  auto receiver = std::make_shared<Receiver>(Receiver{std::move(callbacks)});
  std::weak_ptr<Receiver> to = receiver;
  auto work = [channel, read = std::move(read), poll_fd, to]() {
    while (true) {
      size_t max = 0;
      {
        std::unique_lock lock(channel->mu);
        channel->cv.wait(lock, [&] { return channel->stopping || channel->request.has_value(); });
        if (channel->stopping) return;
        max = *channel->request;
        channel->request.reset();
      }
      if (poll_fd >= 0 && !WaitReadable(poll_fd, channel->wake_fd)) return;
      Result result = read(max);
      std::lock_guard lock(channel->mu);
      if (channel->stopping) return;  // closed while reading: the bytes are wiped here
      boost::asio::post(*channel->io, [to, result = std::move(result)]() {
        auto rx = to.lock();
        if (!rx) return;  // closed since: dropped
        if (!result.bytes.empty()) rx->callbacks.on_data(result.bytes);
        else rx->callbacks.on_event(result.event, result.why);
      });
    }
  };
  try {
    std::thread(std::move(work)).detach();
  } catch (const std::system_error& e) {
    return egd::Status::Error(std::string("cannot start a reader thread: ") + e.what());
  }
  channel_ = std::move(channel);
  receiver_ = std::move(receiver);
  return egd::Status::Ok();
}

void BlockingReader::Read(size_t max) {
  if (!channel_) return;
  {
    std::lock_guard lock(channel_->mu);
    channel_->request = max;
  }
  channel_->cv.notify_all();
}

void BlockingReader::Close() {
  receiver_.reset();  // results already posted are dropped
  if (!channel_) return;
  {
    std::lock_guard lock(channel_->mu);
    channel_->stopping = true;
    channel_->io = nullptr;
    channel_->request.reset();
  }
  channel_->cv.notify_all();
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(channel_->wake_fd, &one, sizeof one);
  channel_.reset();  // the worker keeps its own reference until it ends
}

egd::Status OpenForBlockingReads(const std::string& path, int* fd) {
  int f = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (f < 0) return egd::ErrnoStatus("cannot open " + path, errno);
  int flags = ::fcntl(f, F_GETFL);
  if (flags < 0 || ::fcntl(f, F_SETFL, flags & ~O_NONBLOCK) < 0) {
    int err = errno;
    ::close(f);
    return egd::ErrnoStatus("fcntl " + path, err);
  }
  *fd = f;
  return egd::Status::Ok();
}

BlockingReader::Result ReadFd(int fd, size_t max, const std::string& path, SourceEvent at_eof) {
  BlockingReader::Result r;
  r.bytes.resize(max);
  ssize_t n;
  do {
    n = ::read(fd, r.bytes.data(), max);
  } while (n < 0 && errno == EINTR);
  int err = errno;
  r.bytes.resize(n > 0 ? static_cast<size_t>(n) : 0);
  if (n == 0) r = {{}, at_eof, path + ": end of file"};
  if (n < 0) r.why = egd::ErrnoText(path, err);
  return r;
}

OwnedFd::~OwnedFd() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace egdd
