// App: what trng-httpd does with a request, independent of HTTP framing. It
// routes the request (api.h), applies the access policy (access.h) and the
// per-client rate limit, asks egdd for state and random bytes, and hands a
// Response to the caller's callback, possibly much later (reads wait for
// entropy; init waits for egdd's startup test). Nothing here blocks: reads,
// control exchanges and waits are asynchronous on the one io_context; only the
// small test data files are written with ordinary blocking calls.
//
// The status view's event streams (GET /trng/randomNum/events) are held by
// StatusFeed (httpd/status_feed.h), bounded by [status] max_streams and
// max_streams_per_address: beyond them, 503 with Retry-After.
//
// Clients are counted per egd::ClientKey (the HTTP session resolves it): the
// connections of one key are capped (OpenClient), and getRandom,
// generateTestdata and pollen draw from one token bucket per key
// ([limits] client_rate_limit, client_burst): beyond it, 429 with Retry-After.
// Tokens are spent when the read is sent to egdd (after the state check).
//
// Lifetime: create, Start(), use and destroy on the io_context's thread. After
// Stop() no new work starts and pending callbacks may never run (the HTTP
// sessions waiting for them are being closed too).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/client_table.h"
#include "common/egd_client.h"
#include "common/refusal_log.h"
#include "common/status.h"
#include "httpd/api.h"
#include "httpd/config.h"
#include "httpd/control_channel.h"
#include "httpd/metrics.h"
#include "httpd/status_feed.h"
#include "httpd/testdata_store.h"

namespace httpd {

class App {
 public:
  using Reply = std::function<void(Response)>;

  App(boost::asio::io_context& io, const Config& config);
  egd::Status Start();
  void Stop();

  void Handle(const Request& request, Reply reply);
  Metrics& metrics() { return metrics_; }
  // Decides which refused connections get a log line (one per key a minute).
  egd::RefusalLog& refusals() { return refusals_; }
  // A connection of `client` opens: false (counted, logged by the caller) when
  // the key already has max_clients_per_address; else CloseClient must follow.
  bool OpenClient(const std::string& client);
  void CloseClient(const std::string& client);
  // An event stream (Response::stream_id) ended: the session closed.
  void CloseEventStream(uint64_t id) { feed_.Unsubscribe(id); }
  // The running configuration: the HTTP server and its sessions read [http]
  // from here as each connection and request comes, so a reload reaches them.
  const Config& config() const { return config_; }
  // The commit of a reload: `config` (loaded, restart-only keys already kept at
  // their running values by ConfigSchema().KeepRestartOnly) applies to
  // connections and requests from now on. Cannot fail.
  void Reconfigure(const Config& config);

 private:
  using Use = std::function<Response(egd::SecureBytes& bytes)>;

  void Dispatch(const Action& action, const Request& request, Reply reply);
  void WithRandom(const std::string& client, uint64_t bytes, Reply reply, Use use);
  std::optional<Response> RateLimit(const std::string& client, uint64_t bytes);
  void GetRandom(const Action& action, const std::string& client, Reply reply);
  void GenerateTestdata(const Action& action, const std::string& client, Reply reply);
  void Pollen(const Action& action, const std::string& client, Reply reply);
  Response Status(const DeviceStatus& status, Role role) const;
  void ScheduleExpiry();
  void Control(const Action& action, Reply reply);
  void WaitRunning(Op op, std::chrono::steady_clock::time_point deadline, bool from_standby,
                   Reply reply);
  void WithStatus(std::function<Response(const DeviceStatus&)> make, Reply reply);
  Response Page(const Action& action) const;
  void Events(const Request& request, Reply reply);

  boost::asio::io_context& io_;
  Config config_;
  // Destroyed after the members below, whose pending callbacks may hold the
  // last reference to an HTTP session (whose destructor uses these two).
  Metrics metrics_;
  egd::RefusalLog refusals_;
  egd::ClientTable clients_;
  egd::EgdClient egd_;
  ControlChannel control_;
  StatusCache status_;
  StatusFeed feed_;  // the status view's streams; uses status_ and config_
  TestdataStore store_;
  boost::asio::steady_timer expiry_;  // deletes expired test data files
  std::set<std::shared_ptr<boost::asio::steady_timer>> timers_;
  bool stopped_ = false;
};

}  // namespace httpd
