// egd-eval's command line:
//   egd-eval --procedure A|B|fips FILE [--json]
//            [--fips-runs 2001-05-25|2001-10-10] [--crngt-bits N]
//   egd-eval --procedure 90b FILE [--bits-per-sample N] [--json]
// Parsing is pure; errors come back as a message for the usage line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "eval/fips140.h"

namespace egdstat {

struct CliOptions {
  std::string procedure;  // "A", "B", "fips" or "90b"
  std::string file;
  bool json = false;
  bool help = false;
  fips140::Options fips;
  int bits_per_sample = 8;  // 90b: bits of each sample (one per byte), 1..8
};

inline constexpr const char* kUsage =
    "usage: egd-eval --procedure A|B|fips FILE [--json]\n"
    "                [--fips-runs 2001-05-25|2001-10-10] [--crngt-bits N]\n"
    "       egd-eval --procedure 90b FILE [--bits-per-sample N] [--json]\n"
    "  A     AIS 31 procedure A (T0-T5), 1,035,716 bytes per attempt\n"
    "  B     AIS 31 procedure B (T6-T8), at least 871,060 bytes per attempt\n"
    "  fips  FIPS 140-2 monobit, poker, runs, long run and continuous test on\n"
    "        the first 2,500 bytes\n"
    "  90b   NIST SP 800-90B non-IID min-entropy assessment (section 6.3): one\n"
    "        sample of N bits (default 8) per byte; exit 0 once it ran\n"
    "Bits are taken most significant first. Exit 0 pass, 1 fail, 2 usage,\n"
    "I/O error or not enough data.\n";

// Returns the options, or sets *error.
std::optional<CliOptions> ParseCli(const std::vector<std::string>& args, std::string* error);

}  // namespace egdstat
