#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

namespace egdstat {
namespace {

using json = nlohmann::ordered_json;

constexpr size_t kFailuresShown = 10;  // failed block tests listed in text output

std::string Title(const ProcedureResult& r) {
  if (r.procedure == "A") return "AIS 31 procedure A (T0-T5)";
  if (r.procedure == "B") return "AIS 31 procedure B (T6-T8)";
  return "FIPS 140-2 block tests";
}

std::string VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kNeedMoreData: return "need_more_data";
  }
  return "?";
}

std::string Num(double v) {
  std::ostringstream out;
  out.precision(8);
  out << v;
  return out.str();
}

std::string StatText(const Statistic& s) {
  return s.name + " = " + Num(s.value) + "  [" + s.bounds.Describe("x") + "]" + (s.pass ? "" : "  FAIL");
}

void TestText(std::ostream& out, const TestResult& t) {
  out << "  " << (t.pass ? "pass " : "FAIL ") << t.name;
  if (t.stats.size() == 1) out << ": " << StatText(t.stats[0]);
  if (!t.note.empty()) out << "  (" << t.note << ")";
  out << "\n";
  if (t.stats.size() > 1) {
    for (const Statistic& s : t.stats) out << "        " << StatText(s) << "\n";
  }
}

void AttemptText(std::ostream& out, const Attempt& a, size_t number, unsigned bits_per_sample) {
  out << "attempt " << number << ": " << a.bits_used << " bits from bit " << a.first_bit << " (byte "
      << a.first_bit / bits_per_sample << ")" << (a.complete ? "" : ", incomplete: the data ends") << "\n";
  for (const TestResult& t : a.tests) TestText(out, t);
  for (const RepeatedTest& r : a.repeated) {
    out << "  " << (r.failures == 0 ? "pass " : "FAIL ") << r.name << ": " << r.failures << " of " << r.runs
        << " blocks failed; worst block " << r.worst_block << ": " << StatText(r.worst) << "\n";
  }
  const size_t shown = std::min<size_t>(a.block_failures.size(), kFailuresShown);
  for (size_t i = 0; i < shown; ++i) {
    const BlockFailure& f = a.block_failures[i];
    out << "    block " << f.block << " " << f.test << ": " << StatText(f.statistic) << "\n";
  }
  if (shown < a.block_failures.size()) {
    out << "    ... and " << a.block_failures.size() - shown << " more failed block tests (all in --json)\n";
  }
  out << "  " << a.failed << " of " << a.run << " basic tests failed";
  if (a.run < a.basic_tests) out << " (a full attempt has " << a.basic_tests << ")";
  out << "\n";
}

json StatJson(const Statistic& s) {
  auto bound = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  return {{"name", s.name},
          {"value", s.value},
          {"pass", s.pass},
          {"bounds",
           {{"lo", bound(s.bounds.lo)},
            {"hi", bound(s.bounds.hi)},
            {"inclusive", s.bounds.inclusive},
            {"text", s.bounds.Describe("x")}}}};
}

json TestJson(const TestResult& t) {
  json stats = json::array();
  for (const Statistic& s : t.stats) stats.push_back(StatJson(s));
  return {{"name", t.name}, {"pass", t.pass}, {"note", t.note}, {"statistics", stats}};
}

json AttemptJson(const Attempt& a, size_t number) {
  json tests = json::array(), repeated = json::array(), failures = json::array();
  for (const TestResult& t : a.tests) tests.push_back(TestJson(t));
  for (const RepeatedTest& r : a.repeated) {
    repeated.push_back({{"name", r.name},
                        {"blocks", r.runs},
                        {"failures", r.failures},
                        {"worst", {{"block", r.worst_block}, {"statistic", StatJson(r.worst)}}}});
  }
  for (const BlockFailure& f : a.block_failures) {
    failures.push_back({{"block", f.block}, {"test", f.test}, {"statistic", StatJson(f.statistic)}});
  }
  return {{"attempt", number},         {"first_bit", a.first_bit}, {"bits_used", a.bits_used},
          {"complete", a.complete},    {"basic_tests", a.basic_tests}, {"run", a.run}, {"failed", a.failed},
          {"tests", tests},            {"repeated", repeated},     {"block_failures", failures}};
}

}  // namespace

int ExitCode(const ProcedureResult& result) {
  switch (result.verdict) {
    case Verdict::kPass: return 0;
    case Verdict::kFail: return 1;
    case Verdict::kNeedMoreData: return 2;
  }
  return 2;
}

std::string FormatText(const ProcedureResult& r, const std::string& file) {
  std::ostringstream out;
  out << "egd-eval: " << Title(r) << " on " << file << " (" << r.data_bytes << " bytes, ";
  if (r.bits_per_sample < 8) out << "one " << r.bits_per_sample << "-bit sample per byte, ";
  out << "bits MSB first)\n";
  for (size_t i = 0; i < r.attempts.size(); ++i) AttemptText(out, r.attempts[i], i + 1, r.bits_per_sample);
  switch (r.verdict) {
    case Verdict::kPass: out << "RESULT: PASS (" << r.reason << ")\n"; break;
    case Verdict::kFail: out << "RESULT: FAIL (" << r.reason << ")\n"; break;
    case Verdict::kNeedMoreData:
      out << "RESULT: NOT ENOUGH DATA: needs at least " << r.bytes_needed << " bytes, " << file << " has "
          << r.data_bytes << " (" << r.reason << ")\n";
      break;
  }
  return out.str();
}

std::string FormatJson(const ProcedureResult& r, const std::string& file) {
  json attempts = json::array();
  for (size_t i = 0; i < r.attempts.size(); ++i) attempts.push_back(AttemptJson(r.attempts[i], i + 1));
  json doc = {{"procedure", r.procedure},   {"title", Title(r)},
              {"file", file},                 {"file_bytes", r.data_bytes},
              {"bits_per_sample", r.bits_per_sample}, {"verdict", VerdictName(r.verdict)},
              {"reason", r.reason},           {"exit_code", ExitCode(r)},
              {"attempts", attempts}};
  if (r.verdict == Verdict::kNeedMoreData) doc["bytes_needed"] = r.bytes_needed;
  return doc.dump(2) + "\n";
}

}  // namespace egdstat
