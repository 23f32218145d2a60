// SocketFile: the file of a unix socket this process bound. Remove() unlinks
// it only while the path still names that very socket (same device and inode):
// a socket another process, or a newer listener of ours, bound at the same
// path since is left alone.
#pragma once

#include <sys/types.h>

#include <string>

namespace egd {

class SocketFile {
 public:
  SocketFile() = default;
  // Records what `path` names now (call right after bind).
  explicit SocketFile(std::string path);
  void Remove() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  bool known_ = false;
};

}  // namespace egd
