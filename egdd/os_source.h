// OsSource: getrandom(2), the kernel's CSPRNG, for demos: not a TRNG. Its
// reads run on a BlockingReader like the device kinds' (getrandom blocks until
// the kernel's pool is initialised, early at boot).
#pragma once

#include "egdd/blocking_reader.h"
#include "egdd/source.h"

namespace egdd {

class OsSource final : public Source {
 public:
  OsSource(boost::asio::io_context& io, SourceCallbacks callbacks)
      : callbacks_(std::move(callbacks)), reader_(io) {}

  std::string_view kind() const override { return "os"; }
  bool is_trng() const override { return false; }
  std::string description() const override {
    return "getrandom(2): the kernel's CSPRNG, NOT a true random number generator";
  }
  std::string identity() const override { return "os:getrandom"; }
  egd::Status Open() override;
  void Close() override { reader_.Close(); }
  void Read(size_t max) override { reader_.Read(max); }

 private:
  SourceCallbacks callbacks_;
  BlockingReader reader_;
};

}  // namespace egdd
