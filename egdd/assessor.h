// SPDX-License-Identifier: Apache-2.0
// Assessor: one assessment of egdd's source in progress. It first collects
// the raw bytes holding the samples (in secure memory), checking each chunk
// with the one test that needs no entropy claim (a chunk of identical bytes:
// the source is stuck); then it runs AssessRaw on a worker thread and posts
// the result to the io_context.
//
// Lifetime: owned by the Device on the io_context thread. The posted result
// holds a weak_ptr to the assessor's token and is dropped if the assessor is
// gone; the destructor waits for a running worker (at most the assessment's
// time, about a second) and wipes the collected bytes.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "common/secure_memory.h"
#include "egdd/assessment.h"
#include "health/health.h"

namespace egdd {

class Assessor {
 public:
  using Done = std::function<void(Assessment)>;

  // Collects `samples` samples of `bits_per_sample` bits; `chunk` is the
  // total failure test's chunk size.
  Assessor(boost::asio::io_context& io, uint64_t samples, int bits_per_sample, size_t chunk);
  ~Assessor();
  Assessor(const Assessor&) = delete;
  Assessor& operator=(const Assessor&) = delete;

  // Takes what it still needs of `raw` (the count in *used); an alarm if a
  // chunk was all one value (the collection must then start again).
  std::optional<egd::HealthAlarm> Add(std::span<const uint8_t> raw, size_t* used);
  bool collecting() const { return !started_; }
  bool full() const { return held_.size() == need_; }
  // Starts the worker (call once full); `done` runs on the io_context thread.
  void Start(Done done);

  uint64_t samples_needed() const { return samples_; }
  uint64_t samples_collected() const;
  int bits_per_sample() const { return bits_; }

 private:
  boost::asio::io_context& io_;
  uint64_t samples_;
  int bits_;
  size_t need_;
  size_t chunk_;
  size_t checked_ = 0;  // bytes covered by the stuck test
  egd::SecureBytes held_;
  bool started_ = false;
  std::shared_ptr<int> token_ = std::make_shared<int>(0);
  std::thread worker_;
};

}  // namespace egdd
