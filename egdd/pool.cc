#include "egdd/pool.h"

#include <algorithm>
#include <cassert>

namespace egdd {

Pool::Pool(size_t capacity) : buffer_(capacity) { assert(capacity > 0); }

size_t Pool::Add(std::span<const uint8_t> data) {
  if (halted_) return 0;
  size_t n = std::min(data.size(), free());
  size_t tail = (head_ + size_) % capacity();
  size_t first = std::min(n, capacity() - tail);
  std::copy_n(data.begin(), first, buffer_.begin() + tail);
  std::copy_n(data.begin() + first, n - first, buffer_.begin());
  size_ += n;
  ServeWaiters();
  return n;
}

// Appends the n oldest bytes to *out and wipes them from the ring.
void Pool::CopyOut(size_t n, egd::SecureBytes* out) {
  assert(n <= size_);
  size_t first = std::min(n, capacity() - head_);
  out->insert(out->end(), buffer_.begin() + head_, buffer_.begin() + head_ + first);
  out->insert(out->end(), buffer_.begin(), buffer_.begin() + (n - first));
  Drop(n);
  if (n > 0 && on_take_ && !resizing_) on_take_();
}

void Pool::Drop(size_t n) {
  size_t first = std::min(n, capacity() - head_);
  egd::Wipe(buffer_.data() + head_, first);
  egd::Wipe(buffer_.data(), n - first);
  head_ = (head_ + n) % capacity();
  size_ -= n;
}

size_t Pool::Take(size_t max, egd::SecureBytes* out) {
  if (halted_) return 0;
  size_t unreserved = size_ > reserved_ ? size_ - reserved_ : 0;
  size_t n = std::min(max, unreserved);
  CopyOut(n, out);
  return n;
}

bool Pool::TryTakeOrWait(WaiterId id, size_t n, egd::SecureBytes* out, Delivery deliver) {
  assert(n > 0 && n <= capacity());
  if (!halted_ && waiters_.empty() && size_ >= n) {
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
  if (delivering_) return;  // a delivery called back into Add: the outer loop continues
  delivering_ = true;
  egd::SecureBytes chunk;
  while (!halted_ && !waiters_.empty() && size_ >= waiters_.front().need) {
    Waiter w = std::move(waiters_.front());
    waiters_.pop_front();
    reserved_ -= w.need;
    chunk.clear();
    CopyOut(w.need, &chunk);
    w.deliver(chunk);
    egd::WipeContents(chunk);  // the session has its own copy now
  }
  delivering_ = false;
}

void Pool::Clear() {
  egd::WipeContents(buffer_);
  head_ = 0;
  size_ = 0;
}

void Pool::Halt() {
  Clear();
  halted_ = true;
}

void Pool::Resume() {
  halted_ = false;
  ServeWaiters();
}

void Pool::Resize(egd::SecureBytes ring) {
  assert(!ring.empty());
  size_t keep = std::min(size_, ring.size());
  resizing_ = true;
  Drop(size_ - keep);  // the oldest bytes that do not fit
  size_t first = std::min(keep, capacity() - head_);
  std::copy_n(buffer_.begin() + head_, first, ring.begin());
  std::copy_n(buffer_.begin(), keep - first, ring.begin() + first);
  buffer_.swap(ring);  // the old ring is wiped as it is released
  head_ = 0;
  ServeWaiters();      // a smaller ring may not fit a waiter's need: it stays queued
  resizing_ = false;
  if (on_take_) on_take_();
}

}  // namespace egdd
