#include "egdd/pool.h"

#include <algorithm>
#include <cassert>

namespace egdd {

Pool::Pool(size_t capacity) {
  assert(capacity > 0);
  AddLane(egd::SecureBytes(capacity));
}

Pool::LaneId Pool::AddLane(egd::SecureBytes ring) {
  assert(!ring.empty());
  lanes_.emplace_back();
  lanes_.back().buffer.swap(ring);
  return lanes_.size() - 1;
}

void Pool::RemoveLane(LaneId lane) {
  Lane& l = lanes_[lane];
  Clear(lane);
  l.halted = true;
  l.removed = true;
  l.on_take = nullptr;
  egd::SecureBytes().swap(l.buffer);  // wiped as it is released
}

size_t Pool::size() const {
  size_t n = 0;
  for (const Lane& l : lanes_) n += l.size;
  return n;
}

size_t Pool::capacity() const {
  size_t n = 0;
  for (const Lane& l : lanes_) n += l.buffer.size();
  return n;
}

bool Pool::halted() const {
  return std::all_of(lanes_.begin(), lanes_.end(), [](const Lane& l) { return l.halted; });
}

double Pool::unreserved_share() const {
  size_t total = size();
  if (total == 0) return 0;
  return static_cast<double>(total - std::min(total, reserved_)) / static_cast<double>(total);
}

size_t Pool::Add(std::span<const uint8_t> data, LaneId lane) {
  Lane& l = lanes_[lane];
  if (l.halted) return 0;
  size_t cap = l.buffer.size();
  size_t n = std::min(data.size(), cap - l.size);
  size_t tail = (l.head + l.size) % cap;
  size_t first = std::min(n, cap - tail);
  std::copy_n(data.begin(), first, l.buffer.begin() + tail);
  std::copy_n(data.begin() + first, n - first, l.buffer.begin());
  l.size += n;
  ServeWaiters();
  return n;
}

// Appends the lane's n oldest bytes to *out and wipes them from its ring.
void Pool::CopyOut(Lane& l, size_t n, egd::SecureBytes* out) {
  assert(n <= l.size);
  size_t cap = l.buffer.size();
  size_t first = std::min(n, cap - l.head);
  out->insert(out->end(), l.buffer.begin() + l.head, l.buffer.begin() + l.head + first);
  out->insert(out->end(), l.buffer.begin(), l.buffer.begin() + (n - first));
  Drop(l, n);
  if (n > 0 && l.on_take && !l.resizing) l.on_take();
}

void Pool::Drop(Lane& l, size_t n) {
  if (n == 0) return;
  size_t cap = l.buffer.size();
  size_t first = std::min(n, cap - l.head);
  egd::Wipe(l.buffer.data() + l.head, first);
  egd::Wipe(l.buffer.data(), n - first);
  l.head = (l.head + n) % cap;
  l.size -= n;
}

Pool::Lane* Pool::LaneWith(size_t n) {
  for (size_t i = 0; i < lanes_.size(); ++i) {
    size_t at = (turn_ + i) % lanes_.size();
    Lane& l = lanes_[at];
    if (!l.halted && l.size >= n) {
      turn_ = (at + 1) % lanes_.size();
      return &l;
    }
  }
  return nullptr;
}

size_t Pool::Take(size_t max, egd::SecureBytes* out) {
  size_t total = size();
  size_t left = std::min(max, total > reserved_ ? total - reserved_ : 0);
  size_t taken = 0;
  for (size_t i = 0; i < lanes_.size() && left > 0; ++i) {
    Lane& l = lanes_[(turn_ + i) % lanes_.size()];
    size_t n = std::min(left, l.size);
    CopyOut(l, n, out);
    left -= n;
    taken += n;
  }
  if (!lanes_.empty()) turn_ = (turn_ + 1) % lanes_.size();
  return taken;
}

bool Pool::TryTakeOrWait(WaiterId id, size_t n, egd::SecureBytes* out, Delivery deliver) {
  assert(n > 0);
  if (waiters_.empty()) {
    if (Lane* l = LaneWith(n)) {
      CopyOut(*l, n, out);
      return true;
    }
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
  while (!waiters_.empty()) {
    Lane* l = LaneWith(waiters_.front().need);
    if (!l) break;
    Waiter w = std::move(waiters_.front());
    waiters_.pop_front();
    reserved_ -= w.need;
    chunk.clear();
    CopyOut(*l, w.need, &chunk);
    w.deliver(chunk);
    egd::WipeContents(chunk);  // the session has its own copy now
  }
  delivering_ = false;
}

void Pool::Clear(LaneId lane) {
  Lane& l = lanes_[lane];
  egd::WipeContents(l.buffer);
  l.head = 0;
  l.size = 0;
}

void Pool::Halt(LaneId lane) {
  Clear(lane);
  lanes_[lane].halted = true;
}

void Pool::Resume(LaneId lane) {
  if (lanes_[lane].removed) return;
  lanes_[lane].halted = false;
  ServeWaiters();
}

void Pool::Resize(egd::SecureBytes ring, LaneId lane) {
  assert(!ring.empty());
  Lane& l = lanes_[lane];
  if (l.removed) return;
  size_t keep = std::min(l.size, ring.size());
  l.resizing = true;
  Drop(l, l.size - keep);  // the oldest bytes that do not fit
  size_t cap = l.buffer.size();
  size_t first = std::min(keep, cap - l.head);
  std::copy_n(l.buffer.begin() + l.head, first, ring.begin());
  std::copy_n(l.buffer.begin(), keep - first, ring.begin() + first);
  l.buffer.swap(ring);  // the old ring is wiped as it is released
  l.head = 0;
  ServeWaiters();       // a smaller ring may not fit a waiter's need: it stays queued
  l.resizing = false;
  if (l.on_take) l.on_take();
}

}  // namespace egdd
