#include "egdd/control_replies.h"

#include <unistd.h>

#include <algorithm>
#include <optional>

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

// The most serving state of any source, or degraded (egdd/daemon.h).
std::pair<std::string, std::string> ControlReplies::DaemonState() const {
  if (devices_.size() == 1) {
    return {std::string(DeviceStateName(devices_[0]->state())), devices_[0]->reason()};
  }
  std::string bad;
  bool running = false;
  for (const auto& d : devices_) {
    DeviceState st = d->state();
    running |= st == DeviceState::kRunning;
    if (st == DeviceState::kFailed || st == DeviceState::kDeviceLost) {
      bad += (bad.empty() ? "" : "; ") + d->name() + " " + std::string(DeviceStateName(st)) +
             ": " + d->reason();
    }
  }
  if (running && !bad.empty()) return {"degraded", "source " + bad};
  for (DeviceState st : {DeviceState::kRunning, DeviceState::kInitializing,
                         DeviceState::kDeviceLost, DeviceState::kFailed, DeviceState::kStandby}) {
    std::string reasons;
    for (const auto& d : devices_) {
      if (d->state() == st) reasons += (reasons.empty() ? "" : "; ") + d->name() + ": " + d->reason();
    }
    if (!reasons.empty()) return {std::string(DeviceStateName(st)), reasons};
  }
  return {"standby", ""};
}

// One source's operation, or every source's (name empty).
json ControlReplies::Operate(const std::string& op, const std::string& name) const {
  auto run = [&](Device& d) {
    if (op == "init") return d.Init();
    if (op == "shutdown") return d.Shutdown();
    if (op == "restart") return d.Restart();
    return d.Assess();
  };
  std::vector<std::pair<std::string, Device::Outcome>> outcomes;
  for (const auto& d : devices_) {
    if (name.empty() || d->name() == name) outcomes.emplace_back(d->name(), run(*d));
  }
  if (outcomes.empty()) {
    std::string names;
    for (const auto& d : devices_) names += (names.empty() ? "" : ", ") + d->name();
    return json{{"ok", false}, {"error", "unknown_source"},
                {"message", "no source named '" + name + "' (sources: " + names + ")"},
                {"state", DaemonState().first}};
  }
  const Device::Outcome* first_ok = nullptr;
  for (const auto& [n, o] : outcomes) {
    if (o.ok && !first_ok) first_ok = &o;
  }
  const Device::Outcome& main = first_ok ? *first_ok : outcomes.front().second;
  std::string message = main.message;
  if (outcomes.size() > 1) {
    message.clear();
    for (const auto& [n, o] : outcomes) message += (message.empty() ? "" : "; ") + n + ": " + o.message;
  }
  json j = {{"ok", main.ok}, {"message", message}, {"state", DaemonState().first}};
  if (!main.ok) j["error"] = main.error;
  if (devices_.size() > 1) {
    j["sources"] = json::array();
    for (const auto& [n, o] : outcomes) {
      json one = {{"name", n}, {"ok", o.ok}, {"message", o.message}};
      if (!o.ok) one["error"] = o.error;
      j["sources"].push_back(one);
    }
  }
  return j;
}

// What one source is: its own state, counters, credit and health tests.
json ControlReplies::SourceJson(const Device& d) const {
  const Source* source = d.source();
  const Device::Counters& c = d.counters();
  return json{
      {"name", d.name()},
      {"state", DeviceStateName(d.state())},
      {"state_reason", d.reason()},
      {"state_since", UnixSeconds(d.state_since())},
      {"state_for_s", Seconds(std::chrono::system_clock::now() - d.state_since())},
      {"reinit_in_s", d.reinit_in() ? json(Seconds(*d.reinit_in())) : json(nullptr)},
      {"source_kind", source ? std::string(source->kind()) : "none"},
      {"source_is_trng", source && source->is_trng()},
      {"source", source ? source->description() : ""},
      {"source_eof", d.source_eof()},
      {"source_stats", source ? source->Stats() : json::object()},
      {"entropy_per_bit", d.entropy_per_bit()},
      {"output_entropy_per_bit", d.output_entropy_per_bit()},
      {"assessment", AssessmentJson(d)},
      {"pool_bytes", pool_.size(d.lane())},
      {"pool_capacity", pool_.capacity(d.lane())},
      {"entropy_bits", static_cast<uint64_t>(d.EntropyBits())},
      {"output_stopped", pool_.halted(d.lane())},
      {"bytes_received", c.bytes_received},
      {"bytes_passed", c.bytes_passed},
      {"bytes_discarded", c.bytes_discarded},
      {"bytes_assessed", c.bytes_assessed},
      {"bytes_wiped_on_alarm", c.bytes_wiped},
      {"chunks_tested", d.chunks_tested()},
      {"reconnects", c.reconnects},
      {"alarms", c.alarms},
      {"alarms_by_test", AlarmsByTest(d)},
      {"last_alarm", c.last_alarm},
      {"last_alarm_test", c.last_alarm_test},
      {"last_alarm_at", c.alarms ? json(UnixSeconds(c.last_alarm_at)) : json(nullptr)},
      {"health_tests", HealthTestsJson(d)},
  };
}

json ControlReplies::Status() const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - started_);
  const EgdStats& s = egd_.stats();
  json sources = json::array();
  for (const auto& d : devices_) sources.push_back(SourceJson(*d));
  // The first source's fields, then what spans every source.
  json j = sources[0];
  j.erase("name");
  for (const char* k : {"bytes_assessed", "bytes_wiped_on_alarm", "chunks_tested", "reconnects"}) {
    j.erase(k);
  }
  auto [state, reason] = DaemonState();
  j["state"] = state;
  j["state_reason"] = reason;
  const Device* latest = devices_[0].get();
  const Device* alarmed = nullptr;
  for (const auto& d : devices_) {
    if (d->state_since() > latest->state_since()) latest = d.get();
    if (d->counters().alarms &&
        (!alarmed || d->counters().last_alarm_at > alarmed->counters().last_alarm_at)) {
      alarmed = d.get();
    }
  }
  if (devices_.size() > 1) {
    j["state_since"] = UnixSeconds(latest->state_since());
    j["state_for_s"] = Seconds(std::chrono::system_clock::now() - latest->state_since());
    std::optional<std::chrono::steady_clock::duration> reinit;
    for (const auto& d : devices_) {
      if (auto r = d->reinit_in(); r && (!reinit || *r < *reinit)) reinit = r;
    }
    j["reinit_in_s"] = reinit ? json(Seconds(*reinit)) : json(nullptr);
    for (const char* k : {"bytes_received", "bytes_passed", "bytes_discarded", "alarms"}) {
      uint64_t sum = 0;
      for (const json& one : sources) sum += one[k].get<uint64_t>();
      j[k] = sum;
    }
    if (alarmed) {
      j["last_alarm"] = alarmed->name() + ": " + alarmed->counters().last_alarm;
      j["last_alarm_test"] = alarmed->counters().last_alarm_test;
      j["last_alarm_at"] = UnixSeconds(alarmed->counters().last_alarm_at);
    }
  }
  j["output_mode"] = devices_[0]->conditioned() ? "conditioned" : "raw";
  j["pool_bytes"] = pool_.size();
  j["pool_capacity"] = pool_.capacity();
  j["pool_reserved"] = pool_.reserved();
  j["waiting_readers"] = pool_.waiting();
  j["entropy_bits"] = entropy_bits_();
  j["output_stopped"] = pool_.halted();
  j["bytes_served"] = s.bytes_served;
  // EGD clients; connections to egd.internal_listen (trng-httpd) apart.
  j["clients"] = egd_.clients();
  j["internal_clients"] = egd_.internal_clients();
  // Connections closed at once, by reason (trng-httpd's /metrics shows them).
  j["connections_refused"] = {{"max_clients", s.rejected},
                              {"per_address", s.rejected_per_address},
                              {"proxy", s.proxy_rejected}};
  j["sources"] = std::move(sources);
  j["pid"] = static_cast<long>(::getpid());
  j["uptime_s"] = uptime.count();
  return j;
}

// What credit rests on: the assessment in force, one in progress, and the
// health limits derived from it.
json ControlReplies::AssessmentJson(const Device& device_) const {
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

json ControlReplies::AlarmsByTest(const Device& device_) const {
  json j = json::object();
  for (const char* test : kHealthTests) j[test] = 0;
  for (const auto& [test, n] : device_.counters().alarms_by_test) j[test] = n;
  return j;
}

// Per test: units passed, alarms, the last statistic and the cutoff it is
// compared with (egd::HealthStats says what each statistic is).
json ControlReplies::HealthTestsJson(const Device& device_) const {
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
  uint64_t passed = 0, assessed = 0, discarded = 0, wiped = 0, chunks = 0, alarms = 0, reconnects = 0;
  for (const auto& d : devices_) {
    const Device::Counters& c = d->counters();
    passed += c.bytes_passed;
    assessed += c.bytes_assessed;
    discarded += c.bytes_discarded;
    wiped += c.bytes_wiped;
    chunks += d->chunks_tested();
    alarms += c.alarms;
    reconnects += c.reconnects;
  }
  j["health"] = {{"bytes_passed", passed},
                 {"bytes_assessed", assessed},
                 {"bytes_discarded", discarded},
                 {"bytes_wiped_on_alarm", wiped},
                 {"chunks_tested", chunks},
                 {"alarms", alarms}};
  j["source_reconnects"] = reconnects;
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
  size_t space = command.find(' ');
  std::string op = command.substr(0, space);
  std::string name = space == std::string::npos ? "" : command.substr(space + 1);
  bool device_op = op == "init" || op == "shutdown" || op == "restart" || op == "assess";
  if (name.empty() && command == "status") reply = Status();
  else if (name.empty() && command == "stats") reply = Stats();
  else if (device_op) reply = Operate(op, name);
  else reply = json{{"ok", false}, {"error", "unknown_command"},
                    {"message", "unknown command; use status, stats, init, shutdown, restart, "
                                "assess (the last four may name a source)"}};
  return reply.dump();
}

}  // namespace egdd
