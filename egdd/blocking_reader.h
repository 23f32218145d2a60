// BlockingReader: runs a source's blocking reads (read(2) on a character
// device, FIFO or file; getrandom(2)) on a worker thread of its own, so the
// io_context thread never blocks. A source is composed of one: it hands over a
// read function object that owns what it reads from (its descriptor), and the
// reader runs it on the worker, one request at a time.
//
// Contract:
// - Start(read, poll_fd, callbacks) starts a worker that owns `read`. Each
//   Read(max) makes it call read(max) once (first waiting until poll_fd, if
//   not -1, is readable) and deliver the result on the io_context thread:
//   on_data for bytes, on_event otherwise.
// - Close() returns at once, whatever the worker is doing. The worker is
//   detached: woken if it waits for a request or in poll(2), it ends at once;
//   inside a read(2) that has no poll (/dev/hwrng) it ends when that read
//   returns. It then destroys `read` (closing its descriptor) on its own. A
//   result that comes after Close, or was posted but not yet run, is dropped
//   (its handler holds a weak_ptr to this run's receiver and locks it first):
//   no callback runs after Close, and none needs this object to be alive.
// - Read buffers are secure memory (common/secure_memory.h), wiped on release.
// - Start, Read and Close are called from the io_context thread; the
//   io_context must outlive every Close.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/secure_memory.h"
#include "common/status.h"
#include "egdd/source.h"

namespace egdd {

class BlockingReader {
 public:
  // One read's outcome: bytes (non-empty), or an event with its reason.
  struct Result {
    egd::SecureBytes bytes;
    SourceEvent event = SourceEvent::kLost;
    std::string why;
  };
  // Runs on the worker thread; may block.
  using ReadFn = std::function<Result(size_t max)>;

  explicit BlockingReader(boost::asio::io_context& io) : io_(io) {}
  ~BlockingReader() { Close(); }
  BlockingReader(const BlockingReader&) = delete;
  BlockingReader& operator=(const BlockingReader&) = delete;

  egd::Status Start(ReadFn read, int poll_fd, SourceCallbacks callbacks);
  void Read(size_t max);
  void Close();
  bool running() const { return channel_ != nullptr; }

 private:
  struct Channel;   // shared with the worker
  struct Receiver;  // io side: the lifetime token of one run

  boost::asio::io_context& io_;
  std::shared_ptr<Channel> channel_;
  std::shared_ptr<Receiver> receiver_;
};

// Opens `path` for blocking reads without hanging on a FIFO that has no writer
// yet; *fd is the caller's to close.
egd::Status OpenForBlockingReads(const std::string& path, int* fd);

// One read(2) of up to `max` bytes from `fd`, retried on EINTR: the bytes, or
// why none came: "PATH: end of file" with event `at_eof`, or the errno text
// with kLost. For the ReadFns of descriptor-backed sources.
BlockingReader::Result ReadFd(int fd, size_t max, const std::string& path, SourceEvent at_eof);

// Owns a descriptor: closes it when the last copy of the read function that
// holds it is destroyed (on the worker, after its last read).
class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd();
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace egdd
