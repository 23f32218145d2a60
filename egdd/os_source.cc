#include "egdd/os_source.h"

#include <sys/random.h>

#include <cerrno>

namespace egdd {

egd::Status OsSource::Open() {
  auto read = [](size_t max) {
    BlockingReader::Result r;
    r.bytes.resize(max);
    ssize_t n;
    do {
      n = ::getrandom(r.bytes.data(), max, 0);
    } while (n < 0 && errno == EINTR);
    int err = errno;
    r.bytes.resize(n > 0 ? static_cast<size_t>(n) : 0);
    if (n <= 0) r.why = egd::ErrnoText("getrandom", err);
    return r;
  };
  return reader_.Start(std::move(read), -1, callbacks_);
}

}  // namespace egdd
