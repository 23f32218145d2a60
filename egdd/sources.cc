// The fd-based source kinds: hwrng (any character device or FIFO), file (a
// capture, replayed once), os (getrandom(2), for demos: not a TRNG); and the
// factory for every kind (serial: egdd/serial_source.cc).
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "egdd/blocking_source.h"
#include "egdd/serial_source.h"

namespace egdd {
namespace {

std::string Errno(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// Opens for blocking reads without hanging on a FIFO that has no writer yet.
egd::Status OpenForReading(const std::string& path, int* fd) {
  int f = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (f < 0) return egd::Status::Error(Errno("cannot open " + path, errno));
  int flags = ::fcntl(f, F_GETFL);
  if (flags < 0 || ::fcntl(f, F_SETFL, flags & ~O_NONBLOCK) < 0) {
    int err = errno;
    ::close(f);
    return egd::Status::Error(Errno("fcntl " + path, err));
  }
  *fd = f;
  return egd::Status::Ok();
}

class HwrngSource final : public BlockingSource {
 public:
  HwrngSource(boost::asio::io_context& io, SourceCallbacks cb, std::string path)
      : BlockingSource(io, std::move(cb)), path_(std::move(path)) {}
  ~HwrngSource() override { Close(); }  // before this object's overrides go away
  std::string_view kind() const override { return "hwrng"; }
  bool is_trng() const override { return true; }
  std::string description() const override { return "hardware RNG device " + path_; }

 protected:
  egd::Status OpenDevice(int* fd) override { return OpenForReading(path_, fd); }
  ReadResult OnReadResult(ssize_t n, int err, std::vector<uint8_t> buf) override {
    if (n > 0) return {std::move(buf), SourceEvent::kLost, ""};
    // A device that reads EOF or fails is gone (unplugged, FIFO writer left).
    return {{}, SourceEvent::kLost, n == 0 ? path_ + ": end of data" : Errno(path_, err)};
  }

 private:
  std::string path_;
};

class FileSource final : public BlockingSource {
 public:
  FileSource(boost::asio::io_context& io, SourceCallbacks cb, std::string path)
      : BlockingSource(io, std::move(cb)), path_(std::move(path)) {}
  ~FileSource() override { Close(); }  // before this object's overrides go away
  std::string_view kind() const override { return "file"; }
  bool is_trng() const override { return true; }
  std::string description() const override { return "capture file " + path_; }

 protected:
  // A re-initialised capture resumes where it stopped: replaying it from the
  // start would serve the same bytes twice.
  egd::Status OpenDevice(int* fd) override {
    egd::Status st = OpenForReading(path_, fd);
    if (st.ok() && ::lseek(*fd, offset_, SEEK_SET) < 0) {
      int err = errno;
      ::close(*fd);
      return egd::Status::Error(Errno("seek in " + path_, err));
    }
    return st;
  }
  ReadResult OnReadResult(ssize_t n, int err, std::vector<uint8_t> buf) override {
    if (n > 0) offset_ += n;  // worker thread; Open() reads it only while no worker runs
    if (n > 0) return {std::move(buf), SourceEvent::kEof, ""};
    if (n == 0) return {{}, SourceEvent::kEof, path_ + ": end of file"};
    return {{}, SourceEvent::kLost, Errno(path_, err)};
  }

 private:
  std::string path_;
  off_t offset_ = 0;
};

class OsSource final : public BlockingSource {
 public:
  OsSource(boost::asio::io_context& io, SourceCallbacks cb) : BlockingSource(io, std::move(cb)) {}
  ~OsSource() override { Close(); }  // before this object's overrides go away
  std::string_view kind() const override { return "os"; }
  bool is_trng() const override { return false; }
  std::string description() const override {
    return "getrandom(2): the kernel's CSPRNG, NOT a true random number generator";
  }

 protected:
  egd::Status OpenDevice(int* fd) override {
    *fd = -1;
    return egd::Status::Ok();
  }
  ssize_t ReadInto(std::span<uint8_t> buf) override {
    return ::getrandom(buf.data(), buf.size(), 0);
  }
  ReadResult OnReadResult(ssize_t n, int err, std::vector<uint8_t> buf) override {
    if (n > 0) return {std::move(buf), SourceEvent::kLost, ""};
    return {{}, SourceEvent::kLost, Errno("getrandom", err)};
  }
};

}  // namespace

std::unique_ptr<Source> MakeSource(boost::asio::io_context& io, const Config& config,
                                   SourceCallbacks callbacks) {
  const SourceConfig& c = config.source;
  switch (c.kind) {
    case SourceKind::kHwrng:
      return std::make_unique<HwrngSource>(io, std::move(callbacks), c.path);
    case SourceKind::kFile:
      return std::make_unique<FileSource>(io, std::move(callbacks), c.path);
    case SourceKind::kOs:
      return std::make_unique<OsSource>(io, std::move(callbacks));
    case SourceKind::kSerial:
      break;
  }
  return std::make_unique<SerialSource>(io, config.serial, std::move(callbacks));
}

}  // namespace egdd
