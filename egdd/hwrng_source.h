// HwrngSource: a hardware RNG character device (/dev/hwrng) or a FIFO, read
// with blocking read(2) by a BlockingReader. A device that reads EOF or fails
// is gone (unplugged, FIFO writer left): kLost, and the daemon reopens it.
// /dev/hwrng has no poll: a read may sit in the kernel until the device
// answers, so Close never waits for it (egdd/blocking_reader.h).
#pragma once

#include <string>

#include "egdd/blocking_reader.h"
#include "egdd/source.h"

namespace egdd {

class HwrngSource final : public Source {
 public:
  HwrngSource(boost::asio::io_context& io, SourceCallbacks callbacks, std::string path)
      : callbacks_(std::move(callbacks)), path_(std::move(path)), reader_(io) {}

  std::string_view kind() const override { return "hwrng"; }
  bool is_trng() const override { return true; }
  std::string description() const override { return "hardware RNG device " + path_; }
  std::string identity() const override { return DeviceIdentity(kind(), path_); }
  egd::Status Open() override;
  void Close() override { reader_.Close(); }
  void Read(size_t max) override { reader_.Read(max); }

 private:
  SourceCallbacks callbacks_;
  std::string path_;
  BlockingReader reader_;
};

}  // namespace egdd
