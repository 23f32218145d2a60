#include "httpd/status_feed.h"

#include <chrono>
#include <cmath>
#include <vector>

#include "common/log.h"
#include "httpd/sse.h"

namespace httpd {

namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

constexpr auto kKeepalive = std::chrono::seconds(15);
constexpr auto kRetry = std::chrono::milliseconds(2000);

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double Seconds(std::chrono::milliseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

StatusFeed::StatusFeed(asio::io_context& io, const Config& config, StatusCache& status)
    : io_(io),
      config_(config),
      status_(status),
      reader_(io, config.egdd.egd),
      history_(config.status.rate_interval, config.status.rate_day_interval),
      poll_timer_(io),
      rate_timer_(io),
      sample_timer_(io),
      keepalive_timer_(io) {}

void StatusFeed::Start() {
  next_rate_ = Clock::now();
  ScheduleRate();
}

void StatusFeed::Stop() {
  stopped_ = true;
  subs_.clear();
  reader_.Stop();
  for (auto* t : {&poll_timer_, &rate_timer_, &sample_timer_, &keepalive_timer_}) t->cancel();
}

void StatusFeed::Reconfigure() {
  history_.Reconfigure(config_.status.rate_interval, config_.status.rate_day_interval);
  if (stopped_) return;
  next_rate_ = Clock::now() + config_.status.rate_interval;
  ScheduleRate();
  sample_timer_.cancel();  // its handler reschedules with the new interval
}

std::optional<uint64_t> StatusFeed::Subscribe(const std::string& client, Role role,
                                              std::weak_ptr<EventSink> sink,
                                              std::string* refused) {
  const StatusConfig& c = config_.status;
  size_t mine = 0;
  for (const auto& [id, sub] : subs_) mine += sub.client == client;
  if (stopped_ || subs_.size() >= c.max_streams) {
    *refused = "max_streams";
    return std::nullopt;
  }
  if (mine >= c.max_streams_per_address) {
    *refused = "max_streams_per_address";
    return std::nullopt;
  }
  uint64_t id = next_id_++;
  subs_[id] = {client, std::move(sink)};
  json hello = {{"role", RoleName(role)},
                {"poll_interval_s", Seconds(c.poll_interval)},
                {"rate_interval_s", Seconds(c.rate_interval)},
                {"rate_day_interval_s", Seconds(c.rate_day_interval)},
                {"sample_bytes", c.sample_bytes},
                {"sample_interval_s", c.sample_interval.count()}};
  Send(id, SseRetry(kRetry));
  Send(id, SseEvent("hello", hello.dump()));
  if (polling_ && !last_status_.empty()) Send(id, last_status_);
  Send(id, RateFrame());
  if (!sample_.is_null() || !last_attempt_.is_null()) Send(id, SampleFrame());
  if (!polling_) {
    last_key_.clear();  // what was sent before the idle spell is stale: send afresh
    Poll();
  }
  if (!keepalive_) Keepalive();
  MaybeSample();
  return id;
}

void StatusFeed::Unsubscribe(uint64_t id) { subs_.erase(id); }

void StatusFeed::Send(uint64_t id, const std::string& frame) {
  auto it = subs_.find(id);
  if (it == subs_.end()) return;
  std::shared_ptr<EventSink> sink = it->second.sink.lock();
  if (!sink) {
    subs_.erase(it);
    return;
  }
  sink->Push(frame);
}

// Push may close a session, which unsubscribes: iterate over a copy of the ids.
void StatusFeed::Broadcast(const std::string& frame) {
  std::vector<uint64_t> ids;
  for (const auto& [id, sub] : subs_) ids.push_back(id);
  for (uint64_t id : ids) Send(id, frame);
}

json StatusFeed::StatusJson(const DeviceStatus& s, double unix_now) {
  json j = {{"egdd_reachable", s.reachable}, {"state", s.state},
            {"time", std::round(unix_now * 1000) / 1000}};
  if (s.reachable) j["egdd"] = s.raw;
  else j["error"] = s.error;
  return j;
}

std::string StatusFeed::ChangeKey(const json& event) {
  json j = event;
  j.erase("time");
  if (j.contains("egdd") && j["egdd"].is_object()) {
    json& e = j["egdd"];
    for (const char* ticking : {"uptime_s", "state_for_s", "reinit_in_s"}) e.erase(ticking);
    if (e.contains("sources") && e["sources"].is_array()) {  // each source ticks too
      for (json& one : e["sources"]) {
        for (const char* ticking : {"state_for_s", "reinit_in_s"}) one.erase(ticking);
      }
    }
  }
  return j.dump();
}

void StatusFeed::Poll() {
  polling_ = true;
  status_.Refresh([this](const DeviceStatus& s) { OnPoll(s); });
}

void StatusFeed::OnPoll(const DeviceStatus& s) {
  if (stopped_) return;
  json event = StatusJson(s, UnixNow());
  event["httpd"] = {{"event_streams", subs_.size()},
                    {"max_event_streams", config_.status.max_streams}};
  std::string key = ChangeKey(event);
  if (key != last_key_) {
    last_key_ = std::move(key);
    last_status_ = SseEvent("status", event.dump(-1, ' ', false, json::error_handler_t::replace));
    Broadcast(last_status_);
  }
  if (subs_.empty()) {
    polling_ = false;
    return;
  }
  poll_timer_.expires_after(config_.status.poll_interval);
  poll_timer_.async_wait([this](const error_code& ec) {
    if (ec) polling_ = false;
    else Poll();
  });
}

void StatusFeed::ScheduleRate() {
  rate_timer_.expires_at(next_rate_);
  rate_timer_.async_wait([this](const error_code& ec) {
    if (ec) return;
    status_.Refresh([this](const DeviceStatus& s) { OnRate(s); });
  });
}

void StatusFeed::OnRate(const DeviceStatus& s) {
  if (stopped_) return;
  auto now = Clock::now();
  auto counter = s.reachable ? s.raw.find("bytes_received") : s.raw.end();
  if (counter != s.raw.end() && counter->is_number_unsigned()) {
    if (history_.Add(now, UnixNow(), counter->get<uint64_t>()) && !subs_.empty()) {
      Broadcast(RateFrame());
    }
  } else {
    history_.Break();
  }
  next_rate_ += config_.status.rate_interval;
  if (next_rate_ <= now) next_rate_ = now + config_.status.rate_interval;
  ScheduleRate();
}

std::string StatusFeed::RateFrame() const { return SseEvent("rate", history_.Json().dump()); }

// Takes a sample now if none was taken within sample_interval_s, else arms
// the timer for when one is due; nothing while no stream is open.
void StatusFeed::MaybeSample() {
  const StatusConfig& c = config_.status;
  if (stopped_ || subs_.empty() || c.sample_bytes == 0 || reader_.busy() || sampling_) return;
  auto now = Clock::now();
  if (sampled_at_ && now - *sampled_at_ < c.sample_interval) {
    sampling_ = true;
    sample_timer_.expires_at(*sampled_at_ + c.sample_interval);
    sample_timer_.async_wait([this](const error_code& ec) {
      sampling_ = false;
      if (!ec || ec == asio::error::operation_aborted) MaybeSample();
    });
    return;
  }
  sampled_at_ = now;
  reader_.Read(c.sample_bytes, config_.egdd.control_timeout,
               [this](bool ok, const ByteCounts& counts, const std::string& error) {
                 OnSample(ok, counts, error);
               });
}

void StatusFeed::OnSample(bool ok, const ByteCounts& counts, const std::string& error) {
  double now = std::round(UnixNow() * 1000) / 1000;
  last_attempt_ = {{"time", now}, {"bytes", counts.bytes},
                   {"requested", config_.status.sample_bytes}};
  if (!ok) {
    last_attempt_["error"] = error;
    egd::Log(egd::LogLevel::kDebug, "status view sample: ", error);
  }
  if (counts.bytes > 0) {
    sample_ = counts.Json();
    sample_["time"] = now;
  }
  Broadcast(SampleFrame());
  MaybeSample();
}

std::string StatusFeed::SampleFrame() const {
  json j = {{"sample", sample_}, {"last_attempt", last_attempt_},
            {"interval_s", config_.status.sample_interval.count()}};
  return SseEvent("sample", j.dump());
}

void StatusFeed::Keepalive() {
  if (stopped_ || subs_.empty()) {
    keepalive_ = false;
    return;
  }
  keepalive_ = true;
  keepalive_timer_.expires_after(kKeepalive);
  keepalive_timer_.async_wait([this](const error_code& ec) {
    if (ec) {
      keepalive_ = false;
      return;
    }
    Broadcast(SseComment("keepalive"));
    Keepalive();
  });
}

}  // namespace httpd
