// SampleReader: takes one sample of tested bytes from egdd for the status
// view's bit balance and byte histogram, over a connection of its own to
// egdd's EGD socket, with pipelined non-blocking reads (`01 N`): it takes only
// what the pool can spare without keeping a blocking reader waiting, and may
// get fewer bytes than asked (none while the device is failed). Those bytes
// are taken from the pool and never served to anyone: each piece is tallied
// (httpd/byte_sample.h) straight from the socket's read buffer, which is
// secure memory and wiped after every read; only the counts are returned.
//
// Single-threaded, on the io_context's thread; one sample at a time. The
// callback never runs inside Read(), nor after Stop() or destruction.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/net_address.h"
#include "httpd/byte_sample.h"

namespace httpd {

class SampleReader {
 public:
  // ok: counts of what egdd gave (possibly fewer bytes than asked); else error.
  using Callback = std::function<void(bool ok, const ByteCounts& counts, const std::string& error)>;

  SampleReader(boost::asio::io_context& io, egd::NetAddress endpoint);
  ~SampleReader();
  SampleReader(const SampleReader&) = delete;
  SampleReader& operator=(const SampleReader&) = delete;

  // Starts a sample of up to `bytes` (> 0); false (and no callback) while one runs.
  bool Read(size_t bytes, std::chrono::milliseconds timeout, Callback callback);
  bool busy() const { return static_cast<bool>(live_); }
  void Stop();  // aborts a sample in flight; its callback is not run

 private:
  struct Exchange;
  boost::asio::io_context& io_;
  const egd::NetAddress endpoint_;
  std::shared_ptr<Exchange> live_;
};

}  // namespace httpd
