// Status: the result of an operation at a program's edge (startup, configuration,
// control commands). ok() or an error with a human-readable message; cheap to copy.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace egd {

class Status {
 public:
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !error_; }
  const std::string& message() const { return message_; }

 private:
  Status() = default;
  explicit Status(std::string message) : error_(true), message_(std::move(message)) {}

  bool error_ = false;
  std::string message_;
};

// "what: <strerror(err)>", the one way errors of system calls are worded.
inline std::string ErrnoText(std::string_view what, int err = errno) {
  return std::string(what) + ": " + std::strerror(err);
}
inline Status ErrnoStatus(std::string_view what, int err = errno) {
  return Status::Error(ErrnoText(what, err));
}

}  // namespace egd
