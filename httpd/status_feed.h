// StatusFeed: the live status view's data (docs/api.md, GET
// /trng/randomNum/events). It keeps the open event streams and sends each
// server-sent events (httpd/sse.h):
//   hello   once, at the start: the listener's role and the feed's settings;
//   status  egdd's status as /trng/randomNum/status has it, at the start and
//           whenever it changed (egdd is asked every [status] poll_interval_ms,
//           only while at least one stream is open; ticking fields such as
//           uptime_s, state_for_s and reinit_in_s alone do not count as a change);
//   rate    the source's rate over the last hour and day (httpd/rate_history.h),
//           at the start and whenever a point was added: egdd's counter is
//           read every [status] rate_interval_ms whether or not anyone watches,
//           so the chart has history when a page opens;
//   sample  the bit balance and byte histogram of a sample of tested bytes
//           (httpd/sample_reader.h: taken from the pool, tallied, wiped, never
//           served), at the start and after each sample; at most one sample
//           every [status] sample_interval_s, and only while a stream is open;
//   and a comment every 15 s, so that idle proxies keep the stream and a
//   write finds a peer that is gone.
// Streams are bounded: [status] max_streams in all and max_streams_per_address
// per client key; Subscribe refuses beyond them (the caller answers 503).
//
// Single-threaded on the io_context's thread. Sinks are held weakly: a sink
// that is gone is dropped; its owner calls Unsubscribe when it closes. After
// Stop() nothing more is sent or asked.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "httpd/api.h"
#include "httpd/config.h"
#include "httpd/control_channel.h"
#include "httpd/rate_history.h"
#include "httpd/sample_reader.h"

namespace httpd {

// Where a stream's frames go: the HTTP session that holds the stream.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Push(const std::string& frame) = 0;  // one complete SSE frame
};

class StatusFeed {
 public:
  // `config` is the running configuration (App's), read as each step comes.
  StatusFeed(boost::asio::io_context& io, const Config& config, StatusCache& status);
  StatusFeed(const StatusFeed&) = delete;
  StatusFeed& operator=(const StatusFeed&) = delete;

  void Start();  // starts reading the rate counter
  void Stop();
  // A reload was committed: new rate intervals start their rings afresh.
  void Reconfigure();

  // A new stream for `client` (its key) on a listener of `role`: its id, or
  // nullopt with *refused set to "max_streams" or "max_streams_per_address".
  std::optional<uint64_t> Subscribe(const std::string& client, Role role,
                                    std::weak_ptr<EventSink> sink, std::string* refused);
  void Unsubscribe(uint64_t id);
  size_t streams() const { return subs_.size(); }

  // The JSON of a status event (also what the change test compares).
  static nlohmann::json StatusJson(const DeviceStatus& status, double unix_now);
  // The part of a status event that counts as a change: without the fields
  // that tick by themselves (uptime_s, state_for_s, reinit_in_s, time).
  static std::string ChangeKey(const nlohmann::json& status_event);

 private:
  struct Sub {
    std::string client;
    std::weak_ptr<EventSink> sink;
  };

  void Broadcast(const std::string& frame);
  void Send(uint64_t id, const std::string& frame);
  void Poll();
  void OnPoll(const DeviceStatus& s);
  void ScheduleRate();
  void OnRate(const DeviceStatus& s);
  void MaybeSample();
  void OnSample(bool ok, const ByteCounts& counts, const std::string& error);
  void Keepalive();
  std::string SampleFrame() const;
  std::string RateFrame() const;

  boost::asio::io_context& io_;
  const Config& config_;
  StatusCache& status_;
  SampleReader reader_;
  RateHistory history_;
  std::map<uint64_t, Sub> subs_;
  uint64_t next_id_ = 1;
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer rate_timer_;
  boost::asio::steady_timer sample_timer_;
  boost::asio::steady_timer keepalive_timer_;
  bool polling_ = false;
  bool sampling_ = false;
  bool keepalive_ = false;
  bool stopped_ = false;
  std::string last_status_;  // the last status event's frame
  std::string last_key_;     // and its ChangeKey
  nlohmann::json sample_;    // the last sample's counts and when; null before the first
  nlohmann::json last_attempt_;
  std::optional<std::chrono::steady_clock::time_point> sampled_at_;
  std::chrono::steady_clock::time_point next_rate_{};
};

}  // namespace httpd
