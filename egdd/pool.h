// Pool: the bounded store of health-tested bytes and the fair distribution of
// those bytes to EGD clients.
//
// Contract:
// - Bytes enter only through Add (the caller passes only tested bytes) and
//   leave in source order; each byte leaves exactly once (Take, TryTakeOrWait
//   or a waiter's delivery) and is then wiped from the pool.
// - Blocking reads are served whole (N contiguous bytes) in FIFO order of
//   waiting requests. A connection keeps at most one request queued (its
//   session serialises its requests), so a client that pipelines many reads
//   goes to the back of the queue after each one: round-robin by request.
// - Non-blocking reads only get bytes not reserved for queued blocking reads,
//   so polling cannot starve blocked readers.
// - Halt() (a health alarm) wipes every stored byte and stops output: until
//   Resume(), Take returns nothing, blocking reads queue (queued ones stay
//   queued) and Add accepts nothing.
// - Memory: the ring buffer and every scratch copy live in secure memory
//   (common/secure_memory.h: locked, dont-dump, wiped on release).
// Single-threaded: call from the io_context thread only. Delivery callbacks
// run inside Add; they may call back into the pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>

#include "common/secure_memory.h"

namespace egdd {

class Pool {
 public:
  using WaiterId = uint64_t;
  using Delivery = std::function<void(std::span<const uint8_t>)>;

  explicit Pool(size_t capacity);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  size_t size() const { return size_; }
  size_t capacity() const { return buffer_.size(); }
  size_t free() const { return capacity() - size_; }
  size_t waiting() const { return waiters_.size(); }
  size_t reserved() const { return reserved_; }
  bool halted() const { return halted_; }

  // Appends up to free() bytes of tested data; returns how many were taken
  // (none while halted). Serves queued waiters that can now be served.
  size_t Add(std::span<const uint8_t> data);

  // Non-blocking read: appends up to `max` unreserved bytes to *out (none
  // while halted).
  size_t Take(size_t max, egd::SecureBytes* out);

  // Blocking read of n (1..capacity) bytes: if nobody is queued, the pool is
  // not halted and n bytes are here, appends them to *out and returns true.
  // Otherwise queues `deliver` under `id` and returns false; `deliver` later
  // gets exactly n bytes.
  bool TryTakeOrWait(WaiterId id, size_t n, egd::SecureBytes* out, Delivery deliver);

  // Removes id's queued request, if any (its client went away).
  void Cancel(WaiterId id);

  // Wipes and drops every stored byte; waiters stay queued.
  void Clear();
  // Clear, then stop output until Resume (see the contract above).
  void Halt();
  void Resume();

  // Changes the capacity to ring.size(), keeping the newest bytes that fit;
  // `ring` is the new buffer, all zeros (a reload allocates it before it
  // commits, so Resize itself cannot fail). on_take runs once, afterwards,
  // never in the middle: a read it triggers sees the new capacity.
  void Resize(egd::SecureBytes ring);

  // The whole ring, for tests: every byte outside the stored range is zero.
  std::span<const uint8_t> ring() const { return buffer_; }

  // Called after bytes have left the pool (room for the source to refill it).
  void set_on_take(std::function<void()> on_take) { on_take_ = std::move(on_take); }

 private:
  struct Waiter {
    WaiterId id;
    size_t need;
    Delivery deliver;
  };

  void CopyOut(size_t n, egd::SecureBytes* out);
  void Drop(size_t n);  // wipes the n oldest bytes
  void ServeWaiters();

  egd::SecureBytes buffer_;  // ring buffer; bytes outside [head_, head_ + size_) are zero
  size_t head_ = 0;          // index of the oldest byte
  size_t size_ = 0;
  std::deque<Waiter> waiters_;
  size_t reserved_ = 0;  // sum of queued needs
  bool delivering_ = false;
  bool halted_ = false;
  bool resizing_ = false;  // on_take_ waits until the new ring is in place
  std::function<void()> on_take_;
};

}  // namespace egdd
