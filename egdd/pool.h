// Pool: the bounded store of health-tested bytes and the fair distribution of
// those bytes to EGD clients.
//
// Contract:
// - Bytes enter only through Add (the caller passes only tested bytes) and
//   leave in source order; each byte leaves exactly once (Take, TryTakeOrWait
//   or a waiter's delivery) and is then forgotten.
// - Blocking reads are served whole (N contiguous bytes) in FIFO order of
//   waiting requests. A connection keeps at most one request queued (its
//   session serialises its requests), so a client that pipelines many reads
//   goes to the back of the queue after each one: round-robin by request.
// - Non-blocking reads only get bytes not reserved for queued blocking reads,
//   so polling cannot starve blocked readers.
// Single-threaded: call from the io_context thread only. Delivery callbacks
// run inside Add; they may call back into the pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <vector>

namespace egdd {

class Pool {
 public:
  using WaiterId = uint64_t;
  using Delivery = std::function<void(std::span<const uint8_t>)>;

  explicit Pool(size_t capacity);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  size_t size() const { return size_; }
  size_t capacity() const { return buffer_.size(); }
  size_t free() const { return capacity() - size_; }
  size_t waiting() const { return waiters_.size(); }
  size_t reserved() const { return reserved_; }

  // Appends up to free() bytes of tested data; returns how many were taken.
  // Serves queued waiters that can now be served.
  size_t Add(std::span<const uint8_t> data);

  // Non-blocking read: appends up to `max` unreserved bytes to *out.
  size_t Take(size_t max, std::vector<uint8_t>* out);

  // Blocking read of n (1..capacity) bytes: if nobody is queued and n bytes are
  // here, appends them to *out and returns true. Otherwise queues `deliver`
  // under `id` and returns false; `deliver` later gets exactly n bytes.
  bool TryTakeOrWait(WaiterId id, size_t n, std::vector<uint8_t>* out, Delivery deliver);

  // Removes id's queued request, if any (its client went away).
  void Cancel(WaiterId id);

  // Drops every stored byte (e.g. after a health alarm); waiters stay queued.
  void Clear();

  // Changes the capacity, keeping the newest bytes that fit.
  void Resize(size_t capacity);

  // Called after bytes have left the pool (room for the source to refill it).
  void set_on_take(std::function<void()> on_take) { on_take_ = std::move(on_take); }

 private:
  struct Waiter {
    WaiterId id;
    size_t need;
    Delivery deliver;
  };

  void CopyOut(size_t n, std::vector<uint8_t>* out);
  void ServeWaiters();

  std::vector<uint8_t> buffer_;  // ring buffer
  size_t head_ = 0;              // index of the oldest byte
  size_t size_ = 0;
  std::deque<Waiter> waiters_;
  size_t reserved_ = 0;  // sum of queued needs
  bool serving_ = false;
  std::function<void()> on_take_;
};

}  // namespace egdd
