// SPDX-License-Identifier: Apache-2.0
// assess-bench: the whole SP 800-90B non-IID assessment (egd-eval --procedure
// 90b, eval/entropy_assessment.h) on NIST's own sample files, one core, beside
// the reference implementation's figures measured on this machine class
// (ea_non_iid 1.1.7: 17-22 s and 290 MB for 1,000,000 8-bit samples, 0.6 s for
// 1,000,000 1-bit samples), and on generated biased and constant data. Each
// case runs in a child process, so its peak RSS is its own.
// Usage: assess-bench [DATA_DIR=tests/data/sp800-90b/bin] [RUNS=3]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "eval/entropy_assessment.h"
#include "eval/entropy_samples.h"

namespace {

struct Case {
  const char* file;  // in DATA_DIR, or a generated case: "biased" or "constant"
  int bits;
  double reference_seconds;  // ea_non_iid 1.1.7 here (lower end of the measured range); 0: none
  const char* reference_text;
  const char* target;  // issue 14's acceptance, where it sets one
};

constexpr Case kCases[] = {
    {"truerand_8bit.bin", 8, 17.0, "17-22 s, 290 MB", "1 s, 100 MB"},
    {"truerand_1bit.bin", 1, 0.6, "0.6 s", "0.1 s"},
    // What egdd meets with a biased or a stuck device (1,000,000 samples of
    // its own source): not measured with the reference.
    {"biased", 8, 0, "-", "-"},
    {"constant", 8, 0, "-", "-"},
};

// A generated case: 8-bit samples whose bits are each 1 with probability
// 0.8 (a fixed generator), or all the same value.
std::vector<uint8_t> Generate(const std::string& name) {
  std::vector<uint8_t> data(1000000, 0x5a);
  if (name != "biased") return data;
  uint64_t x = 1;
  for (uint8_t& v : data) {
    v = 0;
    for (int j = 0; j < 8; ++j) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      v = static_cast<uint8_t>((v << 1) | ((x >> 33) % 10 < 8));
    }
  }
  return data;
}

// Runs the case `runs` times in this (child) process; prints its row.
int RunCase(const std::string& dir, const Case& c, int runs) {
  std::vector<uint8_t> data;
  if (c.reference_seconds == 0) {
    data = Generate(c.file);
  } else {
    std::ifstream in(dir + "/" + c.file, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (data.empty()) {
    std::fprintf(stderr, "assess-bench: cannot read %s/%s\n", dir.c_str(), c.file);
    return 1;
  }
  double best = 1e9;
  egdstat::EntropyAssessment a;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    egdstat::EntropySamples s;
    egdstat::PrepareSamples(data, c.bits, &s);
    a = egdstat::AssessNonIid(s);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
    best = std::min(best, took.count());
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  char ratio[32] = "-";
  if (c.reference_seconds > 0) std::snprintf(ratio, sizeof ratio, "%.0f×", c.reference_seconds / best);
  std::printf("| %s | %zu × %d-bit | %.3f s | %.0f MB | %s | %s | %s | %.6f |\n", c.file,
              data.size(), c.bits, best, ru.ru_maxrss / 1024.0, c.target, c.reference_text, ratio,
              a.min_entropy);
  std::printf("|   per estimator (last run) | ");
  for (const auto* list : {&a.literal, &a.bitstring}) {
    for (const auto& e : *list) {
      std::printf("%s%s %.3f s; ", list == &a.literal ? "" : "bitstring ", e.name.c_str(), e.seconds);
    }
  }
  std::printf("| | | | | | |\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "tests/data/sp800-90b/bin";
  const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
  std::printf("assess-bench: SP 800-90B non-IID assessment, best of %d, one core\n\n", runs);
  std::printf("| file | samples | egd-eval 90b | peak RSS | target | ea_non_iid 1.1.7 (measured here) | speed-up | assessed H |\n");
  std::printf("|---|---|---:|---:|---|---|---:|---:|\n");
  std::fflush(stdout);
  int status = 0;
  for (const Case& c : kCases) {
    pid_t pid = fork();
    if (pid == 0) {
      int rc = RunCase(dir, c, runs);
      std::fflush(stdout);  // _exit does not flush stdio
      _exit(rc);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) status = 1;
  }
  return status;
}
