// SPDX-License-Identifier: Apache-2.0
#include "egdd/assessor.h"

#include <algorithm>

#include <boost/asio/post.hpp>

namespace egdd {

Assessor::Assessor(boost::asio::io_context& io, uint64_t samples, int bits_per_sample,
                   size_t chunk)
    : io_(io),
      samples_(samples),
      bits_(bits_per_sample),
      need_(RawBytesFor(samples, bits_per_sample)),
      chunk_(chunk) {
  held_.reserve(need_);
}

Assessor::~Assessor() {
  token_.reset();
  if (worker_.joinable()) worker_.join();
  egd::WipeContents(held_);
}

uint64_t Assessor::samples_collected() const {
  return std::min<uint64_t>(samples_, held_.size() * 8 / static_cast<uint64_t>(bits_));
}

std::optional<egd::HealthAlarm> Assessor::Add(std::span<const uint8_t> raw, size_t* used) {
  *used = std::min(raw.size(), need_ - held_.size());
  held_.insert(held_.end(), raw.begin(), raw.begin() + *used);
  // A source stuck at any value gives chunks of one value: the limit chunk - 1
  // claims nothing about its entropy.
  const egd::TotalFailureParams stuck{chunk_, chunk_ - 1};
  for (; checked_ + chunk_ <= held_.size(); checked_ += chunk_) {
    if (auto alarm = egd::TotalFailureCheck({held_.data() + checked_, chunk_}, stuck)) {
      alarm->detail += " while collecting samples for the entropy assessment";
      alarm->discarded = held_.size();
      egd::WipeContents(held_);
      held_.clear();
      checked_ = 0;
      return alarm;
    }
  }
  return std::nullopt;
}

void Assessor::Start(Done done) {
  started_ = true;
  worker_ = std::thread([this, weak = std::weak_ptr<int>(token_), done = std::move(done)] {
    Assessment a = AssessRaw(held_, bits_);
    boost::asio::post(io_, [weak, done, a = std::move(a)] {
      if (weak.lock()) done(a);
    });
  });
}

}  // namespace egdd
