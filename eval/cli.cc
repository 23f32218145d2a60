#include "eval/cli.h"

#include <charconv>

namespace egdstat {
namespace {

bool ParseFipsOption(const std::string& flag, const std::string& value, CliOptions& o, std::string* error) {
  if (flag == "--fips-runs") {
    if (value == "2001-05-25") {
      o.fips.runs_table = fips140::RunsTable::kOriginal;
    } else if (value == "2001-10-10") {
      o.fips.runs_table = fips140::RunsTable::kChangeNotice1;
    } else {
      *error = "--fips-runs takes 2001-05-25 or 2001-10-10";
      return false;
    }
    return true;
  }
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 16 || n > 57) {
    *error = "--crngt-bits takes a number from 16 to 57";
    return false;
  }
  o.fips.crngt_bits = n;
  return true;
}

bool ParseBitsPerSample(const std::string& value, CliOptions& o, std::string* error) {
  int n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > 8) {
    *error = "--bits-per-sample takes a number from 1 to 8";
    return false;
  }
  o.bits_per_sample = n;
  return true;
}

}  // namespace

std::optional<CliOptions> ParseCli(const std::vector<std::string>& args, std::string* error) {
  CliOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool takes_value =
        a == "--procedure" || a == "--fips-runs" || a == "--crngt-bits" || a == "--bits-per-sample";
    if (takes_value && i + 1 == args.size()) {
      *error = a + " needs a value";
      return std::nullopt;
    }
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--procedure") {
      o.procedure = args[++i];
    } else if (a == "--bits-per-sample") {
      if (!ParseBitsPerSample(args[++i], o, error)) return std::nullopt;
    } else if (takes_value) {
      if (!ParseFipsOption(a, args[i + 1], o, error)) return std::nullopt;
      ++i;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      *error = "unknown option " + a;
      return std::nullopt;
    } else if (o.file.empty()) {
      o.file = a;
    } else {
      *error = "more than one FILE";
      return std::nullopt;
    }
  }
  if (o.help) return o;
  if (o.procedure != "A" && o.procedure != "B" && o.procedure != "fips" && o.procedure != "90b") {
    *error = "--procedure must be A, B, fips or 90b";
    return std::nullopt;
  }
  if (o.file.empty()) {
    *error = "no FILE";
    return std::nullopt;
  }
  return o;
}

}  // namespace egdstat
