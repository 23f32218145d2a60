// The fd-based source kinds: hwrng (any character device or FIFO), file (a
// capture, replayed once, across restarts with an offset file), os (getrandom(2), for demos: not a TRNG); and the
// factory for every kind (serial: egdd/serial_source.cc).
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "egdd/blocking_source.h"
#include "egdd/serial_source.h"

namespace egdd {
namespace {

// Opens for blocking reads without hanging on a FIFO that has no writer yet.
egd::Status OpenForReading(const std::string& path, int* fd) {
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
  ReadResult OnReadResult(ssize_t n, int err, egd::SecureBytes buf) override {
    if (n > 0) return {std::move(buf), SourceEvent::kLost, ""};
    // A device that reads EOF or fails is gone (unplugged, FIFO writer left).
    return {{}, SourceEvent::kLost, n == 0 ? path_ + ": end of data" : egd::ErrnoText(path_, err)};
  }

 private:
  std::string path_;
};

// Replays a capture once. The read offset survives a re-init (in memory) and,
// with an offset file, a restart: each read's new offset is stored (written to
// a temporary file, synced, renamed) before its bytes are handed on, so a
// crash can lose bytes but never serve them twice.
class FileSource final : public BlockingSource {
 public:
  FileSource(boost::asio::io_context& io, SourceCallbacks cb, std::string path,
             std::string offset_file)
      : BlockingSource(io, std::move(cb)), path_(std::move(path)),
        offset_file_(std::move(offset_file)) {}
  ~FileSource() override { Close(); }  // before this object's overrides go away
  std::string_view kind() const override { return "file"; }
  bool is_trng() const override { return true; }
  std::string description() const override { return "capture file " + path_; }
  nlohmann::json Stats() const override {
    return {{"offset_file", offset_file_}, {"offset_at_open", opened_at_}};
  }

 protected:
  egd::Status OpenDevice(int* fd) override {
    if (!loaded_) {
      egd::Status st = LoadOffset(offset_file_, &offset_);
      if (!st.ok()) return st;
      loaded_ = true;
    }
    egd::Status st = OpenForReading(path_, fd);
    if (st.ok() && ::lseek(*fd, offset_, SEEK_SET) < 0) {
      int err = errno;
      ::close(*fd);
      return egd::ErrnoStatus("seek in " + path_, err);
    }
    opened_at_ = offset_;
    return st;
  }
  // Worker thread; OpenDevice reads offset_ only while no worker runs.
  ReadResult OnReadResult(ssize_t n, int err, egd::SecureBytes buf) override {
    if (n > 0) {
      egd::Status st = StoreOffset(offset_file_, offset_ + n);
      if (!st.ok()) return {{}, SourceEvent::kLost, st.message()};
      offset_ += n;
      return {std::move(buf), SourceEvent::kEof, ""};
    }
    if (n == 0) return {{}, SourceEvent::kEof, path_ + ": end of file"};
    return {{}, SourceEvent::kLost, egd::ErrnoText(path_, err)};
  }

 private:
  static egd::Status LoadOffset(const std::string& file, off_t* offset);
  static egd::Status StoreOffset(const std::string& file, off_t offset);

  std::string path_;
  std::string offset_file_;
  bool loaded_ = false;
  off_t offset_ = 0;
  off_t opened_at_ = 0;
};

// A missing offset file means "from the start"; anything but a decimal number
// is an error (a damaged file must not silently restart the replay).
egd::Status FileSource::LoadOffset(const std::string& file, off_t* offset) {
  if (file.empty()) return egd::Status::Ok();
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return egd::Status::Ok();
  if (fd < 0) return egd::ErrnoStatus("cannot read offset file " + file, errno);
  char text[32] = {};
  ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  char* end = text;
  errno = 0;
  long long v = n > 0 ? std::strtoll(text, &end, 10) : -1;
  if (v < 0 || errno != 0 || end == text || (*end != '\n' && *end != '\0')) {
    return egd::Status::Error("offset file " + file + " does not hold a byte offset");
  }
  *offset = static_cast<off_t>(v);
  return egd::Status::Ok();
}

egd::Status FileSource::StoreOffset(const std::string& file, off_t offset) {
  if (file.empty()) return egd::Status::Ok();
  std::string tmp = file + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return egd::ErrnoStatus("cannot write offset file " + tmp, errno);
  std::string text = std::to_string(offset) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return egd::ErrnoStatus("cannot store the offset in " + file, err);
  }
  return egd::Status::Ok();
}

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
  ReadResult OnReadResult(ssize_t n, int err, egd::SecureBytes buf) override {
    if (n > 0) return {std::move(buf), SourceEvent::kLost, ""};
    return {{}, SourceEvent::kLost, egd::ErrnoText("getrandom", err)};
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
      return std::make_unique<FileSource>(io, std::move(callbacks), c.path, c.offset_file);
    case SourceKind::kOs:
      return std::make_unique<OsSource>(io, std::move(callbacks));
    case SourceKind::kSerial:
      break;
  }
  return std::make_unique<SerialSource>(io, config.serial, std::move(callbacks));
}

}  // namespace egdd
