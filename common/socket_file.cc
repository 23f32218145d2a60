#include "common/socket_file.h"

#include <sys/stat.h>
#include <unistd.h>

namespace egd {

SocketFile::SocketFile(std::string path) : path_(std::move(path)) {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    known_ = true;
  }
}

void SocketFile::Remove() const {
  if (!known_) return;
  struct stat st {};
  if (::lstat(path_.c_str(), &st) != 0) return;
  if (st.st_dev == dev_ && st.st_ino == ino_) ::unlink(path_.c_str());
}

}  // namespace egd
