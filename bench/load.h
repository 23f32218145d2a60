// The load generator of egd-bench: N TCP connections, each keeping `pipeline`
// blocking reads (`02 <bytes>`) outstanding, on one thread. Latency is measured
// per request, from just before its request is written to the arrival of its
// last response byte. Before the clock starts, every connection completes one
// `02 1` (warm-up), so connection set-up is not measured.
#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace egdbench {

struct LoadOptions {
  boost::asio::ip::tcp::endpoint target;
  int connections = 1;    // [1, 60000]; needs as many descriptors
  int bytes = 32;         // N of `02 N`, [1, 255]
  double seconds = 3.0;   // measured time, after every connection is up
  int pipeline = 1;       // requests outstanding per connection, [1, 1024]
};

struct LoadResult {
  uint64_t requests = 0;     // completed within `seconds`
  double seconds = 0;        // measured time
  double p50_us = 0;         // latency percentiles of those requests
  double p99_us = 0;
  double max_us = 0;
  std::string error;         // empty on success
};

// Runs the load; the result's error is set when a connection failed or a
// response did not arrive within a grace period after the measured time.
LoadResult RunLoad(const LoadOptions& options);

// One line of key=value pairs (parsed by bench/run-egd).
std::string FormatResult(const LoadOptions& options, const LoadResult& result);

}  // namespace egdbench
