#include "egdd/hwrng_source.h"


namespace egdd {

egd::Status HwrngSource::Open() {
  Close();
  int fd = -1;
  if (egd::Status st = OpenForBlockingReads(path_, &fd); !st.ok()) return st;
  auto device = std::make_shared<OwnedFd>(fd);
  auto read = [device, path = path_](size_t max) { return ReadFd(device->get(), max, path, SourceEvent::kLost); };
  return reader_.Start(std::move(read), fd, callbacks_);
}

}  // namespace egdd
