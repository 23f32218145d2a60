// Pool: the bounded store of health-tested bytes and the fair distribution of
// those bytes to EGD clients.
//
// Lanes: the pool holds one lane (a ring) per source, so that each source's
// bytes stay whole and in order and one source's alarm wipes only its own
// (docs/architecture.md "Several sources"). A pool starts with lane 0;
// AddLane adds more. The aggregate accessors (size, capacity, free, halted)
// span every lane; the lane-taking calls act on one.
//
// Contract:
// - Bytes enter only through Add (the caller passes only tested bytes) and
//   leave each lane in source order; each byte leaves exactly once (Take,
//   TryTakeOrWait or a waiter's delivery) and is then wiped from the pool.
// - Blocking reads are served whole (N contiguous bytes of one lane) in FIFO
//   order of waiting requests; the lanes take turns serving them. A
//   connection keeps at most one request queued (its session serialises its
//   requests), so a client that pipelines many reads goes to the back of the
//   queue after each one: round-robin by request.
// - Non-blocking reads only get bytes not reserved for queued blocking reads,
//   so polling cannot starve blocked readers; they take from the lanes in turn.
// - Halt(lane) (a health alarm) wipes every byte of that lane and stops its
//   output: until Resume(lane) it serves nothing and Add to it accepts
//   nothing. Blocking reads queue while no running lane can serve them
//   (queued ones stay queued).
// - Memory: the rings and every scratch copy live in secure memory
//   (common/secure_memory.h: locked, dont-dump, wiped on release).
// Single-threaded: call from the io_context thread only. Delivery callbacks
// run inside Add; they may call back into the pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <vector>

#include "common/secure_memory.h"

namespace egdd {

class Pool {
 public:
  using WaiterId = uint64_t;
  using LaneId = size_t;
  using Delivery = std::function<void(std::span<const uint8_t>)>;

  explicit Pool(size_t capacity);  // lane 0 of `capacity` bytes
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A new lane; `ring` is its buffer, all zeros (allocated before a reload
  // commits, so this cannot fail). Starts running (not halted).
  LaneId AddLane(egd::SecureBytes ring);
  // Wipes and releases a lane; its id is never reused and every call on it
  // afterwards does nothing.
  void RemoveLane(LaneId lane);
  size_t lanes() const { return lanes_.size(); }

  // Over every lane.
  size_t size() const;
  size_t capacity() const;
  size_t free() const { return capacity() - size(); }
  size_t waiting() const { return waiters_.size(); }
  size_t reserved() const { return reserved_; }
  bool halted() const;  // every lane halted: no output at all
  // The share of the stored bytes not reserved for queued blocking reads (0 when empty).
  double unreserved_share() const;

  size_t size(LaneId lane) const { return lanes_[lane].size; }
  size_t capacity(LaneId lane) const { return lanes_[lane].buffer.size(); }
  size_t free(LaneId lane) const { return capacity(lane) - size(lane); }
  bool halted(LaneId lane) const { return lanes_[lane].halted; }

  // Appends up to free(lane) bytes of tested data; returns how many were
  // taken (none while the lane is halted). Serves queued waiters that can now
  // be served.
  size_t Add(std::span<const uint8_t> data, LaneId lane = 0);

  // Non-blocking read: appends up to `max` unreserved bytes to *out.
  size_t Take(size_t max, egd::SecureBytes* out);

  // Blocking read of n (1..the largest lane's capacity) bytes: if nobody is
  // queued and a running lane holds n bytes, appends them to *out and returns
  // true. Otherwise queues `deliver` under `id` and returns false; `deliver`
  // later gets exactly n bytes of one lane.
  bool TryTakeOrWait(WaiterId id, size_t n, egd::SecureBytes* out, Delivery deliver);

  // Removes id's queued request, if any (its client went away).
  void Cancel(WaiterId id);

  // Wipes and drops every byte of the lane; waiters stay queued.
  void Clear(LaneId lane = 0);
  // Clear, then stop the lane's output until Resume (see the contract above).
  void Halt(LaneId lane = 0);
  void Resume(LaneId lane = 0);

  // Changes the lane's capacity to ring.size(), keeping the newest bytes that
  // fit; `ring` is the new buffer, all zeros (a reload allocates it before it
  // commits, so Resize itself cannot fail). The lane's on_take runs once,
  // afterwards, never in the middle: a read it triggers sees the new capacity.
  void Resize(egd::SecureBytes ring, LaneId lane = 0);

  // A lane's whole ring, for tests: every byte outside the stored range is zero.
  std::span<const uint8_t> ring(LaneId lane = 0) const { return lanes_[lane].buffer; }

  // Called after bytes have left the lane (room for its source to refill it).
  void set_on_take(std::function<void()> on_take, LaneId lane = 0) {
    lanes_[lane].on_take = std::move(on_take);
  }

 private:
  struct Lane {
    egd::SecureBytes buffer;  // ring; bytes outside [head, head + size) are zero
    size_t head = 0;          // index of the oldest byte
    size_t size = 0;
    bool halted = false;
    bool removed = false;
    bool resizing = false;  // on_take waits until the new ring is in place
    std::function<void()> on_take;
  };
  struct Waiter {
    WaiterId id;
    size_t need;
    Delivery deliver;
  };

  static void CopyOut(Lane& lane, size_t n, egd::SecureBytes* out);
  static void Drop(Lane& lane, size_t n);  // wipes the n oldest bytes
  // The next running lane (in turn) holding at least n bytes, or none.
  Lane* LaneWith(size_t n);
  void ServeWaiters();

  std::deque<Lane> lanes_;  // a deque: references stay valid as lanes are added
  size_t turn_ = 0;  // the lane to look at first
  std::deque<Waiter> waiters_;
  size_t reserved_ = 0;  // sum of queued needs
  bool delivering_ = false;
};

}  // namespace egdd
