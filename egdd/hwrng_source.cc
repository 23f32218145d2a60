#include "egdd/hwrng_source.h"

#include <unistd.h>

#include <cerrno>

namespace egdd {

egd::Status HwrngSource::Open() {
  Close();
  int fd = -1;
  if (egd::Status st = OpenForBlockingReads(path_, &fd); !st.ok()) return st;
  auto device = std::make_shared<OwnedFd>(fd);
  auto read = [device, path = path_](size_t max) {
    BlockingReader::Result r;
    r.bytes.resize(max);
    ssize_t n;
    do {
      n = ::read(device->get(), r.bytes.data(), max);
    } while (n < 0 && errno == EINTR);
    int err = errno;
    r.bytes.resize(n > 0 ? static_cast<size_t>(n) : 0);
    if (n <= 0) r.why = n == 0 ? path + ": end of data" : egd::ErrnoText(path, err);
    return r;
  };
  return reader_.Start(std::move(read), fd, callbacks_);
}

}  // namespace egdd
