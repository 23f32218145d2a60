// BlockingSource: runs a source's blocking reads (read(2) on a character device,
// FIFO or file; getrandom(2)) on one worker thread, so the io_context thread
// never blocks. One read is outstanding at a time; results are posted back to
// the io_context. Close() wakes the worker through an eventfd and joins it.
// Read buffers are secure memory (common/secure_memory.h), wiped on release.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include "common/secure_memory.h"
#include "egdd/source.h"

namespace egdd {

class BlockingSource : public Source {
 public:
  BlockingSource(boost::asio::io_context& io, SourceCallbacks callbacks);
  ~BlockingSource() override;

  egd::Status Open() final;
  void Close() final;
  void Read(size_t max) final;

 protected:
  // Result of one blocking read: bytes (size > 0), or an event.
  struct ReadResult {
    egd::SecureBytes bytes;
    SourceEvent event = SourceEvent::kEof;
    std::string why;
  };
  // Opens the device; returns its fd, or -1 for fd-less sources (getrandom).
  virtual egd::Status OpenDevice(int* fd) = 0;
  // Interprets read(2)'s result n (errno in err) for this kind.
  virtual ReadResult OnReadResult(ssize_t n, int err, egd::SecureBytes buf) = 0;
  // For fd-less sources: fill buf (blocking); default reads the fd.
  virtual ssize_t ReadInto(std::span<uint8_t> buf);

  int fd() const { return fd_; }

 private:
  void WorkerLoop();
  bool WaitReadable();  // false when woken for Close

  boost::asio::io_context& io_;
  SourceCallbacks callbacks_;
  int fd_ = -1;
  int wake_fd_ = -1;
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<size_t> request_;  // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  std::atomic<uint64_t> generation_{0};  // bumped on Close; stale results are dropped
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace egdd
