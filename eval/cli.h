// egd-eval's command line:
//   egd-eval --procedure A FILE [--bits-per-sample K] [--json]
//   egd-eval --procedure B|fips FILE [--json]
//            [--fips-runs 2001-05-25|2001-10-10] [--crngt-bits N]
//   egd-eval --procedure 90b FILE [--bits-per-sample N] [--json]
//   egd-eval --procedure 90b-iid FILE [--bits-per-sample N] [--seed S] [--all-tests]
//            [--json]
//   egd-eval --procedure 90b-restart FILE --h-initial H [--bits-per-sample N] [--json]
// Parsing is pure; errors come back as a message for the usage line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/fips140.h"

namespace egdstat {

struct CliOptions {
  std::string procedure;  // "A", "B", "fips", "90b", "90b-iid" or "90b-restart"
  std::string file;
  bool json = false;
  bool help = false;
  fips140::Options fips;
  int bits_per_sample = 8;  // A, 90b: bits of each sample (one per byte), 1..8; B and fips refuse it
  std::optional<uint64_t> seed;     // 90b-iid: seed of the shuffles (default kDefaultIidSeed)
  bool all_tests = false;           // 90b-iid: permutation tests even once chi-square or LRS rejected
  std::optional<double> h_initial;  // 90b-restart (required): H_I, 0..8 bits per sample
};

inline constexpr const char* kUsage =
    "usage: egd-eval --procedure A FILE [--bits-per-sample K] [--json]\n"
    "       egd-eval --procedure B|fips FILE [--json]\n"
    "                [--fips-runs 2001-05-25|2001-10-10] [--crngt-bits N]\n"
    "       egd-eval --procedure 90b FILE [--bits-per-sample N] [--json]\n"
    "       egd-eval --procedure 90b-iid FILE [--bits-per-sample N] [--seed S]\n"
    "                [--all-tests] [--json]\n"
    "       egd-eval --procedure 90b-restart FILE --h-initial H [--bits-per-sample N]\n"
    "                [--json]\n"
    "  A     AIS 31 procedure A (T0-T5), 1,035,716 bytes per attempt; with\n"
    "        K < 8 each byte is one K-bit sample, 65,536*ceil(48/K) +\n"
    "        257*ceil(20000/K) bytes per attempt (K=4: 2,071,432, K=1: 8,285,728)\n"
    "  B     AIS 31 procedure B (T6-T8), at least 871,060 bytes per attempt\n"
    "  fips  FIPS 140-2 monobit, poker, runs, long run and continuous test on\n"
    "        the first 2,500 bytes (default: 2001-10-10 runs table, 32-bit blocks)\n"
    "  90b   NIST SP 800-90B non-IID min-entropy assessment (section 6.3): one\n"
    "        sample of N bits (default 8) per byte; exit 0 once it ran\n"
    "  90b-iid      SP 800-90B IID tests (section 5: chi-square, LRS, then the\n"
    "               permutation tests, skipped once chi-square or LRS rejected\n"
    "               unless --all-tests) and, if they pass, the IID min-entropy;\n"
    "               shuffles seeded with S (default 1400899851); exit 0 once it ran\n"
    "  90b-restart  SP 800-90B restart tests (section 3.1.4) of 1000 restarts x\n"
    "               1000 samples against the initial estimate H_I; exit 0 once it ran\n"
    "Bits are taken most significant first. Exit 0 pass, 1 fail, 2 usage,\n"
    "I/O error or not enough data.\n";

// Returns the options, or sets *error.
std::optional<CliOptions> ParseCli(const std::vector<std::string>& args, std::string* error);

}  // namespace egdstat
