// ControlReplies: egdd's answers on the control socket, the replies egdctl
// prints and trng-httpd maps to the manual's status codes: status, stats, and
// the device operations init, shutdown, restart, and assess (a new entropy
// assessment of the device). Error codes:
// already_initialized (409), already_shut_down (409), not_initialized (432),
// device_lost and device_error (555), unknown_command, unknown_source.
//
// Several sources: an operation names one ("init tunnel") or acts on every
// source (no name). Acting on all, it succeeds if it succeeded on any; when
// none did, the first source's error is the answer, and the message names
// each source's outcome. `status` has "sources": one object per source (its
// name, state, counters, assessment and health tests); its top-level "state"
// is the daemon's (Daemon: degraded ...), the pool, the clients and the sums
// of the counters span every source, and the other source fields describe
// the first source, as they did when there was only one.
// It reads the daemon's parts; it owns none of them. Single-threaded.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <utility>
#include <vector>
#include <string>

#include <nlohmann/json.hpp>

#include "egdd/config.h"
#include "egdd/device.h"
#include "egdd/egd_server.h"
#include "egdd/pool.h"

namespace egdd {

class ControlReplies {
 public:
  // `config` is the configuration in force (the daemon's, which a reload replaces).
  using Devices = std::vector<std::shared_ptr<Device>>;
  ControlReplies(const Devices& devices, const Pool& pool, const EgdServer& egd,
                 const Config& config, std::function<uint32_t()> entropy_bits)
      : devices_(devices), pool_(pool), egd_(egd), config_(config),
        entropy_bits_(std::move(entropy_bits)) {}

  std::string Handle(const std::string& command);
  nlohmann::json Status() const;
  nlohmann::json Stats() const;
  // The daemon's state and its reason (see above and egdd/daemon.h).
  std::pair<std::string, std::string> DaemonState() const;

 private:
  nlohmann::json Operate(const std::string& op, const std::string& name) const;
  nlohmann::json SourceJson(const Device& d) const;
  nlohmann::json AssessmentJson(const Device& d) const;
  nlohmann::json AlarmsByTest(const Device& d) const;
  nlohmann::json HealthTestsJson(const Device& d) const;

  const Devices& devices_;
  const Pool& pool_;
  const EgdServer& egd_;
  const Config& config_;
  std::function<uint32_t()> entropy_bits_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace egdd
