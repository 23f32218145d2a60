#include "egdd/pool.h"

#include <sodium.h>

#include <algorithm>
#include <cassert>

#include "common/log.h"

namespace egdd {

namespace {

// Entropy must never reach the disk: the pool is locked in memory (no swap)
// and kept out of core dumps, best effort (RLIMIT_MEMLOCK may be too small).
void Protect(std::vector<uint8_t>& buffer) {
  if (sodium_init() < 0 || sodium_mlock(buffer.data(), buffer.size()) != 0) {
    egd::Log(egd::LogLevel::kWarning, "could not lock the ", buffer.size(),
             "-byte pool in memory (raise LimitMEMLOCK / RLIMIT_MEMLOCK): it may be swapped");
  }
}

void Release(std::vector<uint8_t>& buffer) {
  sodium_munlock(buffer.data(), buffer.size());  // also wipes it
}

}  // namespace

Pool::Pool(size_t capacity) : buffer_(capacity) {
  assert(capacity > 0);
  Protect(buffer_);
}

Pool::~Pool() { Release(buffer_); }

size_t Pool::Add(std::span<const uint8_t> data) {
  size_t n = std::min(data.size(), free());
  size_t tail = (head_ + size_) % capacity();
  size_t first = std::min(n, capacity() - tail);
  std::copy_n(data.begin(), first, buffer_.begin() + tail);
  std::copy_n(data.begin() + first, n - first, buffer_.begin());
  size_ += n;
  ServeWaiters();
  return n;
}

void Pool::CopyOut(size_t n, std::vector<uint8_t>* out) {
  assert(n <= size_);
  size_t first = std::min(n, capacity() - head_);
  out->insert(out->end(), buffer_.begin() + head_, buffer_.begin() + head_ + first);
  out->insert(out->end(), buffer_.begin(), buffer_.begin() + (n - first));
  head_ = (head_ + n) % capacity();
  size_ -= n;
  if (n > 0 && on_take_) on_take_();
}

size_t Pool::Take(size_t max, std::vector<uint8_t>* out) {
  size_t unreserved = size_ > reserved_ ? size_ - reserved_ : 0;
  size_t n = std::min(max, unreserved);
  CopyOut(n, out);
  return n;
}

bool Pool::TryTakeOrWait(WaiterId id, size_t n, std::vector<uint8_t>* out, Delivery deliver) {
  assert(n > 0 && n <= capacity());
  if (waiters_.empty() && size_ >= n) {
    CopyOut(n, out);
    return true;
  }
  waiters_.push_back({id, n, std::move(deliver)});
  reserved_ += n;
  return false;
}

void Pool::Cancel(WaiterId id) {
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (it->id == id) {
      reserved_ -= it->need;
      waiters_.erase(it);
      return;
    }
  }
}

void Pool::ServeWaiters() {
  if (serving_) return;  // a delivery called back into Add: the outer loop continues
  serving_ = true;
  std::vector<uint8_t> chunk;
  while (!waiters_.empty() && size_ >= waiters_.front().need) {
    Waiter w = std::move(waiters_.front());
    waiters_.pop_front();
    reserved_ -= w.need;
    chunk.clear();
    CopyOut(w.need, &chunk);
    w.deliver(chunk);
  }
  serving_ = false;
}

void Pool::Clear() {
  head_ = 0;
  size_ = 0;
}

void Pool::Resize(size_t capacity) {
  assert(capacity > 0);
  std::vector<uint8_t> keep;
  CopyOut(size_, &keep);
  size_t drop = keep.size() > capacity ? keep.size() - capacity : 0;
  Release(buffer_);
  buffer_.assign(capacity, 0);
  buffer_.shrink_to_fit();
  Protect(buffer_);
  head_ = 0;
  size_ = 0;
  Add(std::span<const uint8_t>(keep).subspan(drop));
}

}  // namespace egdd
