// SPDX-License-Identifier: Apache-2.0
#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

namespace egd {

Status WriteFileAtomically(const std::string& path, std::string_view text, unsigned mode) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus("cannot write " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (ok && ::rename(tmp.c_str(), path.c_str()) == 0) return Status::Ok();
  if (ok) err = errno;
  ::unlink(tmp.c_str());
  return ErrnoStatus("cannot store " + path, err);
}

Status ReadSmallFile(const std::string& path, std::string* text, bool* missing,
                     size_t max_bytes) {
  *missing = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *missing = errno == ENOENT;
    return ErrnoStatus("cannot read " + path);
  }
  text->clear();
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && text->size() <= max_bytes) text->append(buf, n);
  int err = errno;
  ::close(fd);
  if (n < 0) return ErrnoStatus("cannot read " + path, err);
  if (text->size() > max_bytes) return Status::Error(path + ": larger than expected");
  return Status::Ok();
}

}  // namespace egd
