// SPDX-License-Identifier: Apache-2.0
// What egd-feed tells the outside about the kernel: a Prometheus text file for
// node_exporter's textfile collector ([feed] metrics_file), and the one-line
// status systemd shows (sd_notify STATUS=, `systemctl status egd-feed`).
//
// Both are counts and times only: no byte that was fed ever reaches them.
// MetricsText and StatusText are pure; WriteMetrics replaces the file
// atomically (common/atomic_file.h), so the collector never reads half a file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "feed/kernel_state.h"

namespace feed {

// The exposition text (format 0.0.4), one HELP and TYPE per family:
//   egd_feed_crng_ready                     1 once getrandom(GRND_NONBLOCK) succeeded, else 0
//   egd_feed_crng_ready_seconds_since_boot  CLOCK_BOOTTIME when egd-feed first saw it ready
//                                           (absent before)
//   egd_feed_crng_ready_at_start            1 if it was ready at egd-feed's start (the time
//                                           above is then an upper bound), else 0
//   egd_feed_bytes_fed_total{credited="yes"|"no"}
//   egd_feed_bits_credited_total
//   egd_feed_reseeds_total                  RNDRESEEDCRNG calls that succeeded
//   egd_feed_resumes_total{cause="suspend"|"vmgenid"}
// and, given the hosts (`mix`, may be null):
//   egd_feed_mix                            hosts combined per feed (config)
//   egd_feed_feeds_total{mix="full"|"short"} feeds with all `mix` hosts / fewer (credit 0)
//   egd_feed_host_failures_total{host="..."} failed reads per server
struct HostMetrics {
  std::string host;  // as configured ("unix:/run/...", "192.0.2.1:7776")
  uint64_t failures = 0;
};
struct MixMetrics {
  size_t mix = 1;
  uint64_t full_feeds = 0;
  uint64_t short_feeds = 0;
  std::vector<HostMetrics> hosts;
};
std::string MetricsText(const KernelState& kernel, const MixMetrics* mix = nullptr);

// "CRNG ready 3.2 s after boot; fed 4096 bytes (256 credited), 12 reseeds, 1 resume"
std::string StatusText(const KernelState& kernel);

// Writes MetricsText to `path` (mode 0644) through PATH.tmp and a rename.
egd::Status WriteMetrics(const std::string& path, const KernelState& kernel,
                         const MixMetrics* mix = nullptr);

}  // namespace feed
