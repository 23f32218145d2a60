// Daemon's control operations: the replies egdctl prints and trng-httpd maps to
// the manual's status codes. Error codes: already_initialized (409),
// already_shut_down (409), not_initialized (432), device_lost and
// device_error (555).
#include <unistd.h>

#include "common/log.h"
#include "common/secure_memory.h"
#include "egdd/daemon.h"

namespace egdd {

using nlohmann::json;

json Daemon::Reply(bool ok, const std::string& error, const std::string& message) const {
  json j = {{"ok", ok}, {"message", message}, {"state", DeviceStateName(state_)}};
  if (!ok) j["error"] = error;
  return j;
}

json Daemon::Init() {
  if (state_ == DeviceState::kInitializing || state_ == DeviceState::kRunning) {
    return Reply(false, "already_initialized", "System already initialized");
  }
  if (state_ == DeviceState::kDeviceLost) {
    return Reply(false, "device_lost", "Device lost; reconnecting: " + state_reason_);
  }
  CloseSource();  // from failed: a fresh start with an empty test window
  OpenSource();
  if (state_ == DeviceState::kDeviceLost) {
    return Reply(false, "device_lost", "Initialization failed: " + state_reason_);
  }
  return Reply(true, "", "System initialised successfully");
}

json Daemon::Shutdown() {
  if (state_ == DeviceState::kStandby) {
    return Reply(false, "already_shut_down", "System already shut down");
  }
  CloseSource();
  SetState(DeviceState::kStandby, "shut down by operator");
  return Reply(true, "", "System successfully shutdown");
}

json Daemon::Restart() {
  if (state_ == DeviceState::kStandby) {
    return Reply(false, "not_initialized", "System is in standby; use init");
  }
  CloseSource();
  SetState(DeviceState::kStandby, "restarting");
  json r = Init();
  if (r["ok"]) r["message"] = "System successfully restarted";
  return r;
}

json Daemon::StatusJson() const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - started_);
  return json{
      {"state", DeviceStateName(state_)},
      {"state_reason", state_reason_},
      {"source_kind", source_ ? std::string(source_->kind()) : "none"},
      {"source_is_trng", source_ && source_->is_trng()},
      {"source", source_ ? source_->description() : ""},
      {"source_eof", source_eof_},
      {"source_stats", source_ ? source_->Stats() : nlohmann::json::object()},
      {"output_mode", config_.output.mode == OutputMode::kRaw ? "raw" : "conditioned"},
      {"entropy_per_bit", config_.source.entropy_per_bit},
      {"pool_bytes", pool_.size()},
      {"pool_capacity", pool_.capacity()},
      {"pool_reserved", pool_.reserved()},
      {"waiting_readers", pool_.waiting()},
      {"entropy_bits", EntropyBits()},
      {"output_stopped", pool_.halted()},
      {"bytes_received", bytes_received_},
      {"bytes_served", egd_.stats().bytes_served},
      {"clients", egd_.clients()},
      // Connections closed at once, by reason (trng-httpd's /metrics shows them).
      {"connections_refused", {{"max_clients", egd_.stats().rejected},
                               {"per_address", egd_.stats().rejected_per_address},
                               {"proxy", egd_.stats().proxy_rejected}}},
      {"alarms", alarms_},
      {"last_alarm", last_alarm_},
      {"pid", static_cast<long>(::getpid())},
      {"uptime_s", uptime.count()},
  };
}

json Daemon::StatsJson() const {
  const EgdStats& s = egd_.stats();
  json j = StatusJson();
  j["egd"] = {{"requests", s.requests},
              {"connections", s.connections},
              {"rejected", s.rejected},
              {"rejected_per_address", s.rejected_per_address},
              {"max_clients_per_address", EffectiveMaxClientsPerAddress(config_.egd)},
              {"protocol_errors", s.protocol_errors},
              {"command_timeouts", s.command_timeouts},
              {"bytes_written_by_clients", s.bytes_written_by_clients},
              {"proxy_rejected", s.proxy_rejected},
              {"proxy_untrusted_peer", s.proxy_untrusted_peer},
              {"proxy_header_unexpected", s.proxy_header_unexpected},
              {"rate_limited", s.rate_limited}};
  j["clients_by_address"] = egd_.ClientsJson();
  j["health"] = {{"bytes_passed", bytes_passed_},
                 {"bytes_discarded", bytes_discarded_},
                 {"bytes_wiped_on_alarm", bytes_wiped_},
                 {"chunks_tested", gate_ ? gate_->chunks_tested() : 0},
                 {"alarms", alarms_}};
  j["source_reconnects"] = reconnects_;
  egd::SecureMemoryStats m = egd::GetSecureMemoryStats();
  j["secure_memory"] = {{"mapped_bytes", m.mapped_bytes},
                        {"in_use_bytes", m.in_use_bytes},
                        {"peak_in_use_bytes", m.peak_in_use_bytes},
                        {"unlocked_bytes", m.unlocked_bytes},
                        {"mappings", m.mappings}};
  return j;
}

std::string Daemon::HandleControl(const std::string& command) {
  egd::Log(egd::LogLevel::kDebug, "control: ", command);
  json reply;
  if (command == "status") reply = StatusJson();
  else if (command == "stats") reply = StatsJson();
  else if (command == "init") reply = Init();
  else if (command == "shutdown") reply = Shutdown();
  else if (command == "restart") reply = Restart();
  else reply = json{{"ok", false}, {"error", "unknown_command"},
                    {"message", "unknown command; use status, stats, init, shutdown, restart"}};
  return reply.dump();
}

}  // namespace egdd
