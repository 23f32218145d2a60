// SPDX-License-Identifier: Apache-2.0
#include "egdd/egdctl_wait.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <ostream>
#include <thread>

#include "common/control_client.h"
#include "common/progress.h"

namespace egdctl {

using egd::FormatDuration;
using egd::Grouped;
using nlohmann::json;

namespace {

constexpr std::chrono::milliseconds kPoll{50};
constexpr std::chrono::milliseconds kRedraw{250};

std::string Reason(const json& s) {
  std::string r = s.value("state_reason", "");
  return r.empty() ? s.value("state", "?") : r;
}

// "assessing ...: 12,000 of 100,000 samples collected (12%)", or "" when no assessment runs.
std::string AssessmentText(const json& s) {
  const json& a = s.contains("assessment") ? s["assessment"] : json::object();
  if (!a.is_object() || a.value("state", "") != "running" || !a.contains("running")) return "";
  const json& r = a["running"];
  uint64_t need = r.value("samples_needed", uint64_t{0});
  uint64_t got = r.value("samples_collected", uint64_t{0});
  std::string text = "egdd is assessing the device's entropy (SP 800-90B, once per device; "
                     "slow at a slow source): ";
  if (r.value("phase", "") == "estimating") return text + "estimating from " + Grouped(need) + " samples";
  return text + Grouped(got) + " of " + Grouped(need) + " samples collected (" +
         std::to_string(need ? got * 100 / need : 0) + "%)";
}

}  // namespace

Judgement JudgeStatus(const json& s) {
  std::string state = s.value("state", "");
  if (state == "running") return {Phase::kRunning, Reason(s)};
  if (state == "failed") return {Phase::kFailed, Reason(s)};
  if (state == "device_lost") return {Phase::kDeviceLost, Reason(s)};
  if (state == "standby") return {Phase::kStandby, Reason(s)};
  // At the end of a file the gate drops what it held: neither the startup test
  // nor an assessment still collecting can finish.
  if (s.value("source_eof", false)) {
    return {Phase::kSourceEnded, "the source ended before the startup test finished"};
  }
  std::string assessing = AssessmentText(s);
  if (!assessing.empty()) return {Phase::kWaiting, assessing, true};
  return {Phase::kWaiting, "the startup test is running (" + Reason(s) + ")"};
}

Judgement JudgeSources(const json& status, const std::string& source) {
  const json none = json::array();
  const json& sources = status.contains("sources") ? status["sources"] : none;
  if (!sources.is_array() || (source.empty() && sources.size() < 2)) return JudgeStatus(status);
  std::optional<Judgement> waiting, stopped;
  for (const json& s : sources) {
    std::string name = s.value("name", "");
    if (!source.empty() && name != source) continue;
    Judgement j = JudgeStatus(s);
    if (sources.size() > 1) j.text = name + ": " + j.text;
    if (j.phase == Phase::kWaiting && !waiting) waiting = j;
    if (j.phase != Phase::kWaiting && j.phase != Phase::kRunning && !stopped) stopped = j;
    if (!source.empty()) return j;
  }
  if (!source.empty()) return {Phase::kStandby, "source '" + source + "' is gone"};
  if (waiting) return *waiting;
  if (stopped) return *stopped;
  return JudgeStatus(status);
}

namespace {

struct Outcome {
  int code;
  const char* error;  // nullptr when running
  std::string message;
};

Outcome Describe(const Judgement& j, const std::string& accepted, double waited) {
  switch (j.phase) {
    case Phase::kRunning:
      return {kExitRunning, nullptr, accepted + "; the device is running (" + j.text + ")"};
    case Phase::kFailed:
      return {kExitStartFailed, "startup_failed", "Initialization failed: " + j.text};
    case Phase::kDeviceLost:
      return {kExitStartFailed, "device_lost", "Initialization failed: device lost: " + j.text};
    case Phase::kSourceEnded:
      return {kExitStartFailed, "source_ended", "Initialization failed: " + j.text};
    case Phase::kStandby:
      return {kExitStartFailed, "shut_down", "The device was shut down while starting: " + j.text};
    case Phase::kWaiting:
      break;
  }
  std::string m = "Still initializing after " + FormatDuration(waited) + ": " + j.text +
                  "; egdd carries on: watch `egdctl status`";
  if (j.assessing) m += ", or wait longer with --timeout (an assessment can take hours at 60 bit/s)";
  return {kExitTimedOut, "timeout", m};
}

}  // namespace

int WaitForRunning(const std::string& socket, json reply, const std::string& source,
                   std::chrono::milliseconds timeout, bool terminal, std::ostream& out,
                   std::ostream& err) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last_draw = start - kRedraw;
  std::string accepted = reply.value("message", "accepted");
  json status;
  Judgement j;
  while (true) {
    std::string text;
    egd::Status st = egd::ControlRequest(socket, "status", &text);
    status = st.ok() ? json::parse(text, nullptr, false) : json();
    if (!st.ok() || !status.is_object()) {
      if (terminal) err << "\r\033[K";
      err << "egdctl: waiting for the device: "
          << (st.ok() ? "egdd answered garbage" : st.message()) << "\n";
      return kExitTrouble;
    }
    j = JudgeSources(status, source);
    auto now = Clock::now();
    if (j.phase != Phase::kWaiting || now - start >= timeout) break;
    if (terminal && now - last_draw >= kRedraw) {
      double s = std::chrono::duration<double>(now - start).count();
      err << "\r\033[Kegdctl: " << FormatDuration(s) << ": " << j.text << std::flush;
      last_draw = now;
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(kPoll, start + timeout - now));
  }
  if (terminal) err << "\r\033[K" << std::flush;
  double waited = std::chrono::duration<double>(Clock::now() - start).count();
  Outcome o = Describe(j, accepted, waited);
  reply["ok"] = o.error == nullptr;
  reply["message"] = o.message;
  reply["state"] = status.value("state", "");
  reply["state_reason"] = status.value("state_reason", "");
  reply["waited_s"] = std::round(waited * 1000) / 1000;
  if (o.error) reply["error"] = o.error;
  out << reply.dump(2) << "\n";
  return o.code;
}

}  // namespace egdctl
