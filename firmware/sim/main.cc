// trng-sim: the wind-tunnel TRNG on a pseudo-terminal (firmware/PROTOCOL.md).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "firmware/sim/simulator.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;

void OnSignal(int) { g_stop = 1; }

constexpr const char* kUsage =
    "usage: trng-sim [--link PATH] [--control PATH] [--rate-bps N] [--seed S]\n"
    "                [--baud N] [--debias xor|vn|none] [--spinup-ms N]\n";

bool ParseArgs(int argc, char** argv, trng::sim::SimOptions* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (a == "--link") o->link = v;
    else if (a == "--control") o->control = v;
    else if (a == "--rate-bps") o->rate_bps = std::strtod(v, nullptr);
    else if (a == "--seed") o->seed = std::strtoull(v, nullptr, 0), o->have_seed = true;
    else if (a == "--baud") o->baud = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--spinup-ms") o->device.spinup_ms = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--debias" && !std::strcmp(v, "xor")) o->device.extractor.debias = trng::Debias::kXor;
    else if (a == "--debias" && !std::strcmp(v, "vn")) o->device.extractor.debias = trng::Debias::kVonNeumann;
    else if (a == "--debias" && !std::strcmp(v, "none")) o->device.extractor.debias = trng::Debias::kNone;
    else return false;
  }
  return o->rate_bps > 0;
}

}  // namespace

int main(int argc, char** argv) {
  trng::sim::SimOptions options;
  if (!ParseArgs(argc, argv, &options)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  trng::sim::Simulator sim(options);
  std::string error;
  if (!sim.Start(&error)) {
    std::fprintf(stderr, "trng-sim: %s\n", error.c_str());
    return 1;
  }
  sim.Run(&g_stop);
  return 0;
}
