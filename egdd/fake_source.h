// FakeDevice and FakeSource: a simulated entropy device for in-process tests
// of the daemon (test support, linked into egdd_test only). The test decides
// when bytes arrive, when the data ends (kEof), when the device is lost
// (kLost), whether opening fails, and can stall it so that a read never
// completes. Bytes go to the source opened last; its callbacks are posted with
// a lifetime token like every real source's (egdd/source.h).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/secure_memory.h"
#include "egdd/source.h"

namespace egdd {

class FakeSource;

struct FakeDevice {
  explicit FakeDevice(boost::asio::io_context& context) : io(context) {}

  // Queues bytes for reads (delivered as reads ask for them, unless stalled).
  void Feed(std::span<const uint8_t> bytes);
  void EndOfData();                  // once the queue is empty, reads get kEof
  void Lose(const std::string& why);  // the current source reports kLost
  void Stall(bool on);               // on: reads stay pending, whatever is queued

  boost::asio::io_context& io;
  // What the test sets.
  std::optional<std::string> open_error;  // Open fails with this
  // What the test observes.
  int created = 0, opens = 0, starts = 0, closes = 0;
  std::vector<size_t> reads;     // every Read(max), in order
  std::string last_path;         // [source] path of the source made last
  FakeSource* current = nullptr;  // opened and not closed
  // State.
  egd::SecureBytes queued;
  bool eof = false;
  bool stalled = false;
};

class FakeSource final : public Source {
 public:
  FakeSource(std::shared_ptr<FakeDevice> device, std::string path, SourceCallbacks callbacks)
      : device_(std::move(device)), path_(std::move(path)), callbacks_(std::move(callbacks)) {}
  ~FakeSource() override { Close(); }

  std::string_view kind() const override { return "fake"; }
  bool is_trng() const override { return true; }
  std::string description() const override { return "fake device " + path_; }
  std::string identity() const override { return "fake:" + path_; }
  egd::Status Open() override;
  void Start() override { ++device_->starts; }
  void Close() override;
  void Read(size_t max) override;

  void Pump();  // completes the pending read if it can
  void PostLost(const std::string& why);

 private:
  struct Token {};
  std::shared_ptr<FakeDevice> device_;
  std::string path_;
  SourceCallbacks callbacks_;
  std::shared_ptr<Token> open_;  // lifetime token of the current open
  std::optional<size_t> pending_;
};

// A factory that makes FakeSources on `device` (whatever kind is configured).
SourceFactory FakeSources(std::shared_ptr<FakeDevice> device);
// Several devices: sources on `default_path` use `device`; any other path gets
// its own FakeDevice in *others (made the first time it is configured).
using FakeDevices = std::map<std::string, std::shared_ptr<FakeDevice>>;
SourceFactory FakeSources(std::shared_ptr<FakeDevice> device, std::string default_path,
                          std::shared_ptr<FakeDevices> others);

}  // namespace egdd
