#include "egdd/file_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>

#include "common/atomic_file.h"

namespace egdd {

struct FileSource::Cursor {
  std::mutex mu;
  bool closed = false;  // guarded by mu
  off_t offset = 0;     // guarded by mu
};

egd::Status FileSource::Open() {
  Close();
  if (!loaded_) {
    if (egd::Status st = LoadOffset(offset_file_, &offset_); !st.ok()) return st;
    loaded_ = true;
  }
  int fd = -1;
  if (egd::Status st = OpenForBlockingReads(path_, &fd); !st.ok()) return st;
  if (::lseek(fd, offset_, SEEK_SET) < 0) {
    int err = errno;
    ::close(fd);
    return egd::ErrnoStatus("seek in " + path_, err);
  }
  opened_at_ = offset_;
  auto cursor = std::make_shared<Cursor>();
  cursor->offset = offset_;
  auto file = std::make_shared<OwnedFd>(fd);
  auto read = [file, cursor, path = path_, offset_file = offset_file_](size_t max) {
    BlockingReader::Result r = ReadFd(file->get(), max, path, SourceEvent::kEof);
    if (r.bytes.empty()) return r;
    size_t n = r.bytes.size();
    std::lock_guard lock(cursor->mu);
    if (cursor->closed) return BlockingReader::Result{};  // dropped by the reader anyway
    egd::Status st = StoreOffset(offset_file, cursor->offset + n);
    if (!st.ok()) return BlockingReader::Result{{}, SourceEvent::kLost, st.message()};
    cursor->offset += n;
    return r;
  };
  cursor_ = cursor;
  return reader_.Start(std::move(read), -1, callbacks_);
}

void FileSource::Close() {
  if (cursor_) {
    std::lock_guard lock(cursor_->mu);
    cursor_->closed = true;
    offset_ = cursor_->offset;
  }
  cursor_.reset();
  reader_.Close();
}

egd::Status FileSource::LoadOffset(const std::string& file, off_t* offset) {
  if (file.empty()) return egd::Status::Ok();
  std::string text;
  bool missing = false;
  egd::Status st = egd::ReadSmallFile(file, &text, &missing, 64);
  if (missing) return egd::Status::Ok();
  if (!st.ok()) return egd::Status::Error("cannot read offset file: " + st.message());
  char* end = text.data();
  errno = 0;
  long long v = text.empty() ? -1 : std::strtoll(text.c_str(), &end, 10);
  if (v < 0 || errno != 0 || end == text.c_str() || (*end != '\n' && *end != '\0')) {
    return egd::Status::Error("offset file " + file + " does not hold a byte offset");
  }
  *offset = static_cast<off_t>(v);
  return egd::Status::Ok();
}

egd::Status FileSource::StoreOffset(const std::string& file, off_t offset) {
  if (file.empty()) return egd::Status::Ok();
  return egd::WriteFileAtomically(file, std::to_string(offset) + "\n");
}

}  // namespace egdd
