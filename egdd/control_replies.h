// ControlReplies: egdd's answers on the control socket, the replies egdctl
// prints and trng-httpd maps to the manual's status codes: status, stats, and
// the device operations init, shutdown, restart, and assess (a new entropy
// assessment of the device). Error codes:
// already_initialized (409), already_shut_down (409), not_initialized (432),
// device_lost and device_error (555), unknown_command.
// It reads the daemon's parts; it owns none of them. Single-threaded.
#pragma once

#include <chrono>
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
  ControlReplies(Device& device, const Pool& pool, const EgdServer& egd, const Config& config)
      : device_(device), pool_(pool), egd_(egd), config_(config) {}

  std::string Handle(const std::string& command);
  nlohmann::json Status() const;
  nlohmann::json Stats() const;

 private:
  nlohmann::json Reply(const Device::Outcome& outcome) const;
  nlohmann::json AssessmentJson() const;
  nlohmann::json AlarmsByTest() const;
  nlohmann::json HealthTestsJson() const;

  Device& device_;
  const Pool& pool_;
  const EgdServer& egd_;
  const Config& config_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace egdd
