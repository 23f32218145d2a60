#include "bench/load.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <exception>
#include <sstream>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace egdbench {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// A response later than this after the measured time fails the run: the
// server stalled (e.g. egdd ran out of entropy).
constexpr auto kGrace = std::chrono::seconds(5);

// The warm-up (one `02 1` per connection) must end within this. It is long
// because eb_client_egd forks a process per connection, which logs in to the
// broker on its first read.
constexpr auto kWarmUpLimit = std::chrono::seconds(60);

// State shared by every connection of one run (one thread: no locking).
struct Run {
  explicit Run(const LoadOptions& o) : options(o) {}
  const LoadOptions& options;
  Clock::time_point deadline;
  uint64_t requests = 0;                // completed before the deadline
  std::vector<uint32_t> latencies_ns;   // one per counted request
  std::string error;                    // first failure
  bool timed_out = false;
  int running = 0;
};

void Record(Run& run, Clock::time_point sent, Clock::time_point done) {
  if (done > run.deadline) return;  // only requests completed in the measured time
  ++run.requests;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(done - sent).count();
  run.latencies_ns.push_back(static_cast<uint32_t>(std::min<int64_t>(ns, UINT32_MAX)));
}

// Keeps `pipeline` requests outstanding until the deadline, then drains them.
asio::awaitable<void> Worker(tcp::socket& socket, Run& run) {
  const auto n = static_cast<uint8_t>(run.options.bytes);
  const std::array<uint8_t, 2> request{0x02, n};
  std::vector<uint8_t> burst;
  for (int i = 0; i < run.options.pipeline; ++i) burst.insert(burst.end(), {0x02, n});
  std::deque<Clock::time_point> sent(run.options.pipeline, Clock::now());
  co_await asio::async_write(socket, asio::buffer(burst), asio::use_awaitable);
  std::vector<uint8_t> response(n);
  while (!sent.empty()) {
    co_await asio::async_read(socket, asio::buffer(response), asio::use_awaitable);
    Clock::time_point now = Clock::now();
    Record(run, sent.front(), now);
    sent.pop_front();
    if (now > run.deadline) continue;
    sent.push_back(Clock::now());
    co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
  }
}

std::string Connect(const LoadOptions& options, asio::io_context& io,
                    std::vector<tcp::socket>* sockets) {
  sockets->reserve(options.connections);
  for (int i = 0; i < options.connections; ++i) {
    boost::system::error_code ec;
    tcp::socket& s = sockets->emplace_back(io);
    s.connect(options.target, ec);
    if (!ec) s.set_option(tcp::no_delay(true), ec);
    if (ec) return "connection " + std::to_string(i) + ": " + ec.message();
  }
  return "";
}

// Closes every socket at `when` (unless cancelled first) and sets *timed_out.
void ArmGuard(asio::steady_timer& guard, Clock::time_point when, bool* timed_out,
              std::vector<tcp::socket>& sockets) {
  guard.expires_at(when);
  guard.async_wait([timed_out, &sockets](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: every worker finished
    *timed_out = true;
    for (tcp::socket& s : sockets) s.close();
  });
}

asio::awaitable<void> WarmUpOne(tcp::socket& socket) {
  const std::array<uint8_t, 2> request{0x02, 0x01};
  std::array<uint8_t, 1> response{};
  co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
  co_await asio::async_read(socket, asio::buffer(response), asio::use_awaitable);
}

// One blocking 1-byte read per connection, all at once, before the clock
// starts: the server has accepted and set up every connection (egdd its
// session, eb_client_egd its process and broker login) when the run begins.
std::string WarmUp(asio::io_context& io, std::vector<tcp::socket>& sockets) {
  std::string error;
  bool timed_out = false;
  int running = 0;
  asio::steady_timer guard(io);
  ArmGuard(guard, Clock::now() + kWarmUpLimit, &timed_out, sockets);
  for (tcp::socket& s : sockets) {
    ++running;
    asio::co_spawn(io, WarmUpOne(s), [&](std::exception_ptr e) {
      if (e && error.empty()) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          error = std::string("warm-up: ") + x.what();
        }
      }
      if (--running == 0) guard.cancel();
    });
  }
  io.run();
  io.restart();
  if (timed_out) return "warm-up: no answer within 60 s";
  return error;
}

void SpawnWorkers(Run& run, std::vector<tcp::socket>& sockets, asio::steady_timer& guard) {
  for (tcp::socket& s : sockets) {
    ++run.running;
    asio::co_spawn(s.get_executor(), Worker(s, run), [&run, &guard](std::exception_ptr e) {
      if (e && run.error.empty()) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          run.error = x.what();
        }
      }
      if (--run.running == 0) guard.cancel();
    });
  }
}

double Percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  return sorted[i] / 1000.0;
}

void Summarise(Run& run, LoadResult* result) {
  std::sort(run.latencies_ns.begin(), run.latencies_ns.end());
  result->requests = run.requests;
  result->seconds = run.options.seconds;
  result->p50_us = Percentile(run.latencies_ns, 0.50);
  result->p99_us = Percentile(run.latencies_ns, 0.99);
  result->max_us = run.latencies_ns.empty() ? 0 : run.latencies_ns.back() / 1000.0;
  if (run.timed_out) {
    result->error = "no response within 5 s after the measured time";
  } else if (!run.error.empty()) {
    result->error = run.error;
  }
}

}  // namespace

LoadResult RunLoad(const LoadOptions& options) {
  LoadResult result;
  asio::io_context io(1);
  std::vector<tcp::socket> sockets;
  result.error = Connect(options, io, &sockets);
  if (result.error.empty()) result.error = WarmUp(io, sockets);
  if (!result.error.empty()) return result;
  Run run(options);
  run.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options.seconds));
  asio::steady_timer guard(io);
  ArmGuard(guard, run.deadline + kGrace, &run.timed_out, sockets);
  SpawnWorkers(run, sockets, guard);
  io.run();
  Summarise(run, &result);
  return result;
}

std::string FormatResult(const LoadOptions& options, const LoadResult& result) {
  double rate = result.seconds > 0 ? result.requests / result.seconds : 0;
  char line[512];
  std::snprintf(line, sizeof line,
                "connections=%d pipeline=%d bytes=%d seconds=%.2f requests=%llu "
                "req_per_s=%.0f mb_per_s=%.2f p50_us=%.1f p99_us=%.1f max_us=%.1f",
                options.connections, options.pipeline, options.bytes, result.seconds,
                static_cast<unsigned long long>(result.requests), rate,
                rate * options.bytes / 1e6, result.p50_us, result.p99_us, result.max_us);
  std::ostringstream out;
  out << "target=" << options.target << " " << line;
  return out.str();
}

}  // namespace egdbench
