// SPDX-License-Identifier: Apache-2.0
// ByteQueue: a FIFO of entropy bytes in secure memory (common/secure_memory.h)
// that never leaves a copy behind: bytes are wiped as they leave, and Clear()
// wipes what is left. For a source's payload waiting for the pool.
// Single-threaded.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/secure_memory.h"

namespace egdd {

class ByteQueue {
 public:
  ByteQueue() = default;
  ~ByteQueue() { Clear(); }
  ByteQueue(const ByteQueue&) = delete;
  ByteQueue& operator=(const ByteQueue&) = delete;

  size_t size() const { return bytes_.size() - head_; }
  bool empty() const { return size() == 0; }

  void Push(std::span<const uint8_t> in) { bytes_.insert(bytes_.end(), in.begin(), in.end()); }

  // Moves up to n bytes, oldest first, to the end of *out; returns how many.
  size_t Pop(size_t n, egd::SecureBytes* out) {
    n = std::min(n, size());
    out->insert(out->end(), bytes_.begin() + head_, bytes_.begin() + head_ + n);
    egd::Wipe(bytes_.data() + head_, n);
    head_ += n;
    if (head_ == bytes_.size()) {
      Clear();
    } else if (head_ >= 4096 && 2 * head_ >= bytes_.size()) {
      // Compact once the consumed front dominates; the moved-from tail is wiped.
      size_t left = size();
      std::copy(bytes_.begin() + head_, bytes_.end(), bytes_.begin());
      egd::Wipe(bytes_.data() + left, bytes_.size() - left);
      bytes_.resize(left);
      head_ = 0;
    }
    return n;
  }

  // Wipes every byte held and frees the storage.
  void Clear() {
    egd::WipeContents(bytes_);
    egd::SecureBytes().swap(bytes_);
    head_ = 0;
  }

 private:
  egd::SecureBytes bytes_;  // [head_, end) waiting; [0, head_) already wiped
  size_t head_ = 0;
};

}  // namespace egdd
