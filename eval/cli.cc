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

// --seed: a 64-bit number (decimal); --h-initial: a number from 0 to 8.
bool ParseIidOption(const std::string& flag, const std::string& value, CliOptions& o, std::string* error) {
  const char* first = value.data();
  const char* last = value.data() + value.size();
  if (flag == "--seed") {
    uint64_t seed = 0;
    const auto [end, ec] = std::from_chars(first, last, seed);
    if (ec != std::errc() || end != last || value.empty()) {
      *error = "--seed takes a number from 0 to 18446744073709551615";
      return false;
    }
    o.seed = seed;
    return true;
  }
  double h = 0;
  const auto [end, ec] = std::from_chars(first, last, h);
  if (ec != std::errc() || end != last || value.empty() || !(h >= 0 && h <= 8)) {
    *error = "--h-initial takes a number from 0 to 8";
    return false;
  }
  o.h_initial = h;
  return true;
}

// The options that belong to one procedure only.
bool CheckIidOptions(const CliOptions& o, std::string* error) {
  if (o.procedure == "90b-restart" && !o.h_initial) {
    *error = "--procedure 90b-restart needs --h-initial H";
    return false;
  }
  if (o.procedure != "90b-restart" && o.h_initial) {
    *error = "--h-initial is for --procedure 90b-restart";
    return false;
  }
  if (o.procedure != "90b-iid" && o.seed) {
    *error = "--seed is for --procedure 90b-iid";
    return false;
  }
  if (o.procedure != "90b-iid" && o.all_tests) {
    *error = "--all-tests is for --procedure 90b-iid";
    return false;
  }
  return true;
}

}  // namespace

std::optional<CliOptions> ParseCli(const std::vector<std::string>& args, std::string* error) {
  CliOptions o;
  bool bits_given = false;  // B and fips read 8 bits a byte and refuse the option
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool takes_value =
        a == "--procedure" || a == "--fips-runs" || a == "--crngt-bits" || a == "--bits-per-sample" ||
        a == "--seed" || a == "--h-initial";
    if (takes_value && i + 1 == args.size()) {
      *error = a + " needs a value";
      return std::nullopt;
    }
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--all-tests") {
      o.all_tests = true;
    } else if (a == "--procedure") {
      o.procedure = args[++i];
    } else if (a == "--bits-per-sample") {
      if (!ParseBitsPerSample(args[++i], o, error)) return std::nullopt;
      bits_given = true;
    } else if (a == "--seed" || a == "--h-initial") {
      if (!ParseIidOption(a, args[++i], o, error)) return std::nullopt;
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
  if (o.procedure != "A" && o.procedure != "B" && o.procedure != "fips" && o.procedure != "90b" &&
      o.procedure != "90b-iid" && o.procedure != "90b-restart") {
    *error = "--procedure must be A, B, fips, 90b, 90b-iid or 90b-restart";
    return std::nullopt;
  }
  if (o.file.empty()) {
    *error = "no FILE";
    return std::nullopt;
  }
  if (bits_given && (o.procedure == "B" || o.procedure == "fips")) {
    *error = "--bits-per-sample is for procedures A and 90b; " + o.procedure + " reads every byte as 8 bits";
    return std::nullopt;
  }
  if (!CheckIidOptions(o, error)) return std::nullopt;
  return o;
}

}  // namespace egdstat
