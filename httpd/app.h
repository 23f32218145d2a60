// App: what trng-httpd does with a request, independent of HTTP framing. It
// routes the request (api.h), asks egdd for state and random bytes, and hands
// a Response to the caller's callback, possibly much later (reads wait for
// entropy; init waits for egdd's startup test). Nothing here blocks: reads,
// control exchanges and waits are asynchronous on the one io_context; only the
// small test data files are written with ordinary blocking calls.
//
// Lifetime: create, Start(), use and destroy on the io_context's thread. After
// Stop() no new work starts and pending callbacks may never run (the HTTP
// sessions waiting for them are being closed too).
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/egd_client.h"
#include "common/status.h"
#include "httpd/api.h"
#include "httpd/config.h"
#include "httpd/control_channel.h"
#include "httpd/metrics.h"
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
  // Applies a reloaded configuration (httpd/reload.h: restart-only settings
  // already kept as running) to requests from now on.
  void Reconfigure(const Config& config);

 private:
  using Use = std::function<Response(egd::SecureBytes& bytes)>;

  void Dispatch(const Action& action, const Request& request, Reply reply);
  void WithRandom(uint64_t bytes, Reply reply, Use use);
  void GetRandom(const Action& action, Reply reply);
  void GenerateTestdata(const Action& action, const std::string& peer, Reply reply);
  void Pollen(const Action& action, Reply reply);
  void Control(const Action& action, Reply reply);
  void WaitRunning(Op op, std::chrono::steady_clock::time_point deadline, Reply reply);
  void WithStatus(std::function<Response(const DeviceStatus&)> make, Reply reply);
  Response Page(const Action& action) const;

  boost::asio::io_context& io_;
  Config config_;
  Metrics metrics_;  // first: destroyed last, after whatever holds HTTP sessions
  egd::EgdClient egd_;
  ControlChannel control_;
  StatusCache status_;
  TestdataStore store_;
  std::set<std::shared_ptr<boost::asio::steady_timer>> timers_;
  bool stopped_ = false;
};

}  // namespace httpd
