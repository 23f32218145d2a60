// An asynchronous EGD client for programs that take entropy from egdd (used by
// trng-httpd): reads of any size are served with blocking requests (`02 N`,
// N <= 255) pipelined on a few connections.
//
// ReadPlanner is the pure part: it matches the byte stream of one connection
// to the reads waiting on it, in order, and says which requests to send. A
// read that times out leaves its requests in flight; the bytes they bring go
// to the next reads (they were never given to anyone), so nothing is served
// twice and nothing requested is wasted.
//
// EgdClient owns the connections. It is single-threaded: create, call and
// destroy it on the io_context's thread; callbacks run there, never inside
// Read(). Connections are opened on demand; a failed connection fails the
// reads waiting on it and is reopened by the next read.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/net_address.h"
#include "common/secure_memory.h"

namespace egd {

class ReadPlanner {
 public:
  struct Done {
    uint64_t id;
    SecureBytes bytes;
  };

  ReadPlanner() = default;
  ~ReadPlanner();
  ReadPlanner(const ReadPlanner&) = delete;
  ReadPlanner& operator=(const ReadPlanner&) = delete;

  // Queues a read of n > 0 bytes and returns its id; bytes left over from
  // cancelled reads are used first, so it may be complete at once (*done).
  uint64_t Add(size_t n, std::vector<Done>* done);
  // Drops a queued read and returns how many bytes it had received; those go
  // to the reads behind it (completed ones appended to *done) or to spare.
  size_t Cancel(uint64_t id, std::vector<Done>* done);
  // Bytes arrived from the server: completed reads are appended to *done.
  void OnBytes(std::span<const uint8_t> in, std::vector<Done>* done);
  // Sizes of the `02 N` requests to send now, so that the bytes requested and
  // not yet received cover what queued reads still need, but never exceed
  // max_outstanding.
  std::vector<uint8_t> Plan(size_t max_outstanding);
  // The connection is gone: forgets all reads and requests; returns the ids dropped.
  std::vector<uint64_t> Reset();

  size_t need() const { return need_; }              // bytes queued reads still need
  size_t outstanding() const { return outstanding_; }  // requested, not yet received
  size_t spare() const { return spare_.size(); }
  size_t received(uint64_t id) const;                // bytes a queued read has so far

 private:
  struct Want {
    uint64_t id;
    size_t n;
    SecureBytes got;
  };

  void Feed(std::span<const uint8_t>* in, std::vector<Done>* done);

  std::deque<Want> wants_;
  SecureBytes spare_;  // received while no read waited
  size_t need_ = 0;
  size_t outstanding_ = 0;
  uint64_t next_id_ = 1;
};

using EgdEndpoint = NetAddress;

class EgdClient {
 public:
  struct Result {
    bool ok = false;
    bool timed_out = false;     // !ok: the timeout passed (else: connection error)
    SecureBytes bytes;          // ok: exactly the bytes asked for (locked, wiped when freed)
    size_t received = 0;        // !ok && timed_out: bytes that had arrived
    std::string error;          // !ok: what happened
  };
  using Callback = std::function<void(Result)>;

  // max_outstanding: bytes requested but not received, per connection.
  EgdClient(boost::asio::io_context& io, EgdEndpoint endpoint, size_t connections,
            size_t max_outstanding = 16384);
  ~EgdClient();

  // Reads exactly n bytes (waiting as long as egdd needs, up to timeout).
  void Read(size_t n, std::chrono::milliseconds timeout, Callback callback);
  // Closes the connections; waiting reads fail with "stopped".
  void Stop();

  uint64_t connects() const;  // connections opened, ever

 private:
  class Connection;
  boost::asio::io_context& io_;
  std::vector<std::shared_ptr<Connection>> connections_;
};

}  // namespace egd
