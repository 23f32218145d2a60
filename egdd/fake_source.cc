#include "egdd/fake_source.h"

#include <algorithm>

#include <boost/asio/post.hpp>

namespace egdd {

void FakeDevice::Feed(std::span<const uint8_t> bytes) {
  queued.insert(queued.end(), bytes.begin(), bytes.end());
  if (current) current->Pump();
}

void FakeDevice::EndOfData() {
  eof = true;
  if (current) current->Pump();
}

void FakeDevice::Lose(const std::string& why) {
  if (current) current->PostLost(why);
}

void FakeDevice::Stall(bool on) {
  stalled = on;
  if (!on && current) current->Pump();
}

egd::Status FakeSource::Open() {
  Close();
  ++device_->opens;
  if (device_->open_error) return egd::Status::Error(path_ + ": " + *device_->open_error);
  open_ = std::make_shared<Token>();
  device_->current = this;
  return egd::Status::Ok();
}

void FakeSource::Close() {
  if (!open_) return;
  ++device_->closes;
  open_.reset();
  pending_.reset();
  if (device_->current == this) device_->current = nullptr;
}

void FakeSource::Read(size_t max) {
  device_->reads.push_back(max);
  pending_ = max;
  Pump();
}

void FakeSource::Pump() {
  if (!open_ || !pending_ || device_->stalled) return;
  auto& queued = device_->queued;
  std::weak_ptr<Token> token = open_;
  if (!queued.empty()) {
    size_t n = std::min(*pending_, queued.size());
    egd::SecureBytes out(queued.begin(), queued.begin() + static_cast<ptrdiff_t>(n));
    queued.erase(queued.begin(), queued.begin() + static_cast<ptrdiff_t>(n));
    pending_.reset();
    boost::asio::post(device_->io, [token, cb = callbacks_, out = std::move(out)] {
      if (token.lock()) cb.on_data(out);
    });
  } else if (device_->eof) {
    pending_.reset();
    boost::asio::post(device_->io, [token, cb = callbacks_] {
      if (token.lock()) cb.on_event(SourceEvent::kEof, "fake: end of data");
    });
  }
}

void FakeSource::PostLost(const std::string& why) {
  if (!open_) return;
  std::weak_ptr<Token> token = open_;
  pending_.reset();
  boost::asio::post(device_->io, [token, cb = callbacks_, why] {
    if (token.lock()) cb.on_event(SourceEvent::kLost, why);
  });
}

SourceFactory FakeSources(std::shared_ptr<FakeDevice> device) {
  return [device](const Config& config, SourceCallbacks callbacks) {
    ++device->created;
    device->last_path = config.source.path;
    return std::make_unique<FakeSource>(device, config.source.path, std::move(callbacks));
  };
}

SourceFactory FakeSources(std::shared_ptr<FakeDevice> device, std::string default_path,
                          std::shared_ptr<FakeDevices> others) {
  SourceFactory one = FakeSources(device);
  return [=](const Config& config, SourceCallbacks callbacks) {
    if (config.source.path == default_path) return one(config, std::move(callbacks));
    auto& other = (*others)[config.source.path];
    if (!other) other = std::make_shared<FakeDevice>(device->io);
    return FakeSources(other)(config, std::move(callbacks));
  };
}

}  // namespace egdd
