// SPDX-License-Identifier: Apache-2.0
#include "feed/metrics.h"

#include <sys/stat.h>

#include <cstdio>
#include <sstream>

#include "common/atomic_file.h"

namespace feed {
namespace {

std::string Decimal(std::chrono::nanoseconds t, int digits = 3) {
  char text[40];
  std::snprintf(text, sizeof text, "%.*f", digits, static_cast<double>(t.count()) / 1e9);
  return text;
}

void Family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

// A label value: backslash, double quote and newline escaped (format 0.0.4).
std::string Label(const std::string& value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\\' || ch == '"') out += '\\';
    out += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  }
  return out;
}

void MixFamilies(std::ostringstream& out, const MixMetrics& mix) {
  Family(out, "egd_feed_mix", "gauge", "Hosts whose bytes are combined (BLAKE2b) per feed.");
  out << "egd_feed_mix " << mix.mix << '\n';
  Family(out, "egd_feed_feeds_total", "counter",
         "Feeds by mixing outcome: all `mix` hosts (full) or fewer (short, credited nothing).");
  out << "egd_feed_feeds_total{mix=\"full\"} " << mix.full_feeds << '\n'
      << "egd_feed_feeds_total{mix=\"short\"} " << mix.short_feeds << '\n';
  Family(out, "egd_feed_host_failures_total", "counter",
         "Reads from a server that failed (connection error, closed, timed out).");
  for (const HostMetrics& h : mix.hosts) {
    out << "egd_feed_host_failures_total{host=\"" << Label(h.host) << "\"} " << h.failures << '\n';
  }
}

}  // namespace

std::string MetricsText(const KernelState& kernel, const MixMetrics* mix) {
  const KernelCounters& c = kernel.counters();
  const std::optional<Readiness>& r = kernel.readiness();
  std::ostringstream out;
  Family(out, "egd_feed_crng_ready", "gauge",
         "1 once getrandom(GRND_NONBLOCK) succeeds: the kernel's CRNG is initialised.");
  out << "egd_feed_crng_ready " << (kernel.ready() ? 1 : 0) << '\n';
  if (r) {
    Family(out, "egd_feed_crng_ready_seconds_since_boot", "gauge",
           "CLOCK_BOOTTIME when egd-feed first saw the CRNG ready (an upper bound if it was "
           "ready at egd-feed's start).");
    out << "egd_feed_crng_ready_seconds_since_boot " << Decimal(r->since_boot) << '\n';
    Family(out, "egd_feed_crng_ready_at_start", "gauge",
           "1 if the CRNG was ready already when egd-feed started.");
    out << "egd_feed_crng_ready_at_start " << (r->at_start ? 1 : 0) << '\n';
  }
  Family(out, "egd_feed_bytes_fed_total", "counter",
         "Bytes handed to the kernel: credited (RNDADDENTROPY) or mixed in without credit.");
  out << "egd_feed_bytes_fed_total{credited=\"yes\"} " << c.bytes_credited << '\n'
      << "egd_feed_bytes_fed_total{credited=\"no\"} " << c.bytes_uncredited << '\n';
  Family(out, "egd_feed_bits_credited_total", "counter", "Entropy bits credited to the kernel.");
  out << "egd_feed_bits_credited_total " << c.bits_credited << '\n';
  Family(out, "egd_feed_reseeds_total", "counter",
         "RNDRESEEDCRNG calls that succeeded (the fed bytes reached the CRNG at once).");
  out << "egd_feed_reseeds_total " << c.reseeds << '\n';
  Family(out, "egd_feed_resumes_total", "counter",
         "Resumes from suspend and VM generation changes seen (each fetched fresh bytes).");
  out << "egd_feed_resumes_total{cause=\"suspend\"} " << c.resumes_suspend << '\n'
      << "egd_feed_resumes_total{cause=\"vmgenid\"} " << c.resumes_vmgenid << '\n';
  if (mix) MixFamilies(out, *mix);
  return out.str();
}

std::string StatusText(const KernelState& kernel) {
  const KernelCounters& c = kernel.counters();
  const std::optional<Readiness>& r = kernel.readiness();
  std::ostringstream out;
  if (!r) {
    out << "CRNG not ready";
  } else {
    out << "CRNG ready " << (r->at_start ? "at start, " : "") << Decimal(r->since_boot, 1)
        << " s after boot";
  }
  uint64_t resumes = c.resumes_suspend + c.resumes_vmgenid;
  out << "; fed " << c.bytes_credited + c.bytes_uncredited << " bytes (" << c.bytes_credited
      << " credited), " << c.reseeds << (c.reseeds == 1 ? " reseed, " : " reseeds, ") << resumes
      << (resumes == 1 ? " resume" : " resumes");
  return out.str();
}

// The collector runs as another user: the file must be 0644 whatever the
// umask (the packaged unit's is 0077). One thread: the umask is ours to lend.
egd::Status WriteMetrics(const std::string& path, const KernelState& kernel,
                         const MixMetrics* mix) {
  mode_t umask = ::umask(022);
  egd::Status st = egd::WriteFileAtomically(path, MetricsText(kernel, mix), 0644);
  ::umask(umask);
  return st;
}

}  // namespace feed
