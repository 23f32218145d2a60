#include "egdd/control_replies.h"

#include <unistd.h>

#include "common/log.h"
#include "common/secure_memory.h"

namespace egdd {

using nlohmann::json;

namespace {
constexpr const char* kHealthTests[] = {"total_failure", "repetition_count",
                                        "adaptive_proportion", "startup"};

// Durations and times in JSON: seconds as numbers, to the millisecond.
template <typename Duration>
double Seconds(Duration d) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) /
         1000.0;
}

double UnixSeconds(std::chrono::system_clock::time_point t) {
  return Seconds(t.time_since_epoch());
}
}  // namespace

json ControlReplies::Reply(const Device::Outcome& outcome) const {
  json j = {{"ok", outcome.ok},
            {"message", outcome.message},
            {"state", DeviceStateName(device_.state())}};
  if (!outcome.ok) j["error"] = outcome.error;
  return j;
}

json ControlReplies::Status() const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - started_);
  const Source* source = device_.source();
  const EgdStats& s = egd_.stats();
  return json{
      {"state", DeviceStateName(device_.state())},
      {"state_reason", device_.reason()},
      {"state_since", UnixSeconds(device_.state_since())},
      {"state_for_s", Seconds(std::chrono::system_clock::now() - device_.state_since())},
      {"reinit_in_s", device_.reinit_in() ? json(Seconds(*device_.reinit_in())) : json(nullptr)},
      {"source_kind", source ? std::string(source->kind()) : "none"},
      {"source_is_trng", source && source->is_trng()},
      {"source", source ? source->description() : ""},
      {"source_eof", device_.source_eof()},
      {"source_stats", source ? source->Stats() : json::object()},
      {"output_mode", device_.conditioned() ? "conditioned" : "raw"},
      {"entropy_per_bit", device_.entropy_per_bit()},
      {"output_entropy_per_bit", device_.output_entropy_per_bit()},
      {"assessment", AssessmentJson()},
      {"pool_bytes", pool_.size()},
      {"pool_capacity", pool_.capacity()},
      {"pool_reserved", pool_.reserved()},
      {"waiting_readers", pool_.waiting()},
      {"entropy_bits", device_.EntropyBits()},
      {"output_stopped", pool_.halted()},
      {"bytes_received", device_.counters().bytes_received},
      {"bytes_passed", device_.counters().bytes_passed},
      {"bytes_discarded", device_.counters().bytes_discarded},
      {"bytes_served", s.bytes_served},
      // EGD clients; connections to egd.internal_listen (trng-httpd) apart.
      {"clients", egd_.clients()},
      {"internal_clients", egd_.internal_clients()},
      // Connections closed at once, by reason (trng-httpd's /metrics shows them).
      {"connections_refused", {{"max_clients", s.rejected},
                               {"per_address", s.rejected_per_address},
                               {"proxy", s.proxy_rejected}}},
      {"alarms", device_.counters().alarms},
      {"alarms_by_test", AlarmsByTest()},
      {"last_alarm", device_.counters().last_alarm},
      {"last_alarm_test", device_.counters().last_alarm_test},
      {"last_alarm_at", device_.counters().alarms ? json(UnixSeconds(device_.counters().last_alarm_at))
                                                  : json(nullptr)},
      {"health_tests", HealthTestsJson()},
      {"pid", static_cast<long>(::getpid())},
      {"uptime_s", uptime.count()},
  };
}

// What credit rests on: the assessment in force, one in progress, and the
// health limits derived from it.
json ControlReplies::AssessmentJson() const {
  json j = {{"configured_entropy_per_bit", device_.configured_entropy_per_bit()},
            {"certified", device_.certified()},
            {"credited_entropy_per_bit", device_.entropy_per_bit()}};
  if (const auto& a = device_.assessment()) {
    j["result"] = ToJson(*a);
    j["result"]["entropy_per_bit"] = a->per_bit();
  }
  if (const Assessor* r = device_.assessor()) {
    j["running"] = {{"samples_needed", r->samples_needed()},
                    {"samples_collected", r->samples_collected()},
                    {"bits_per_sample", r->bits_per_sample()},
                    {"phase", r->collecting() ? "collecting" : "estimating"}};
  }
  j["state"] = device_.assessor() ? "running" : device_.assessment() ? "done"
               : device_.certified() ? "certified" : "none";
  if (!device_.assessment_problem().empty()) j["problem"] = device_.assessment_problem();
  const egd::HealthParams& h = device_.gate().params();
  const egd::Cutoffs& c = device_.gate().cutoffs();
  j["health"] = {{"rct_cutoff", c.rct},
                 {"apt_cutoff", c.apt},
                 {"apt_window", c.apt_window},
                 {"total_failure_chunk", h.total_failure.chunk},
                 {"total_failure_max_identical", h.total_failure.max_identical},
                 {"startup_bytes", h.startup_bytes}};
  return j;
}

json ControlReplies::AlarmsByTest() const {
  json j = json::object();
  for (const char* test : kHealthTests) j[test] = 0;
  for (const auto& [test, n] : device_.counters().alarms_by_test) j[test] = n;
  return j;
}

// Per test: units passed, alarms, the last statistic and the cutoff it is
// compared with (egd::HealthStats says what each statistic is).
json ControlReplies::HealthTestsJson() const {
  egd::HealthStats h = device_.health_stats();
  const egd::Cutoffs& c = device_.gate().cutoffs();
  json j = json::object();
  for (const char* test : kHealthTests) {
    const egd::TestCounters& t = *h.Find(test);
    j[test] = {{"passed", t.passed}, {"failed", t.failed}, {"last_statistic", t.last_statistic}};
  }
  j["startup"]["repeated"] = h.startup_repeats;  // failed once, passed on the next window
  j["total_failure"]["cutoff"] = device_.gate().params().total_failure.max_identical + 1;
  j["repetition_count"]["cutoff"] = c.rct;
  j["adaptive_proportion"]["cutoff"] = c.apt;
  return j;
}

json ControlReplies::Stats() const {
  const EgdStats& s = egd_.stats();
  const Device::Counters& c = device_.counters();
  json j = Status();
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
  j["listen"] = egd_.addresses();
  j["health"] = {{"bytes_passed", c.bytes_passed},
                 {"bytes_assessed", c.bytes_assessed},
                 {"bytes_discarded", c.bytes_discarded},
                 {"bytes_wiped_on_alarm", c.bytes_wiped},
                 {"chunks_tested", device_.chunks_tested()},
                 {"alarms", c.alarms}};
  j["source_reconnects"] = c.reconnects;
  egd::SecureMemoryStats m = egd::GetSecureMemoryStats();
  j["secure_memory"] = {{"mapped_bytes", m.mapped_bytes},
                        {"in_use_bytes", m.in_use_bytes},
                        {"peak_in_use_bytes", m.peak_in_use_bytes},
                        {"unlocked_bytes", m.unlocked_bytes},
                        {"mappings", m.mappings}};
  return j;
}

std::string ControlReplies::Handle(const std::string& command) {
  egd::Log(egd::LogLevel::kDebug, "control: ", command);
  json reply;
  if (command == "status") reply = Status();
  else if (command == "stats") reply = Stats();
  else if (command == "init") reply = Reply(device_.Init());
  else if (command == "shutdown") reply = Reply(device_.Shutdown());
  else if (command == "restart") reply = Reply(device_.Restart());
  else if (command == "assess") reply = Reply(device_.Assess());
  else reply = json{{"ok", false}, {"error", "unknown_command"},
                    {"message", "unknown command; use status, stats, init, shutdown, restart, assess"}};
  return reply.dump();
}

}  // namespace egdd
