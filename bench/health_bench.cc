// health-bench: throughput of egdd's health-test pipeline on one core, each
// stage beside a memcpy baseline of the same bytes in the same run.
// Usage: health-bench [MiB=64] [read_size=4096]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "health/conditioner.h"
#include "health/health.h"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<uint8_t> RandomData(size_t n) {
  std::mt19937_64 rng(42);
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t x = rng();
    std::memcpy(v.data() + i, &x, 8);
  }
  return v;
}

// Best of 5 runs, in MB/s (10^6 bytes per second).
double Measure(const std::vector<uint8_t>& data, size_t step,
               const std::function<void(std::span<const uint8_t>)>& stage) {
  double best = 0;
  for (int run = 0; run < 5; ++run) {
    auto t0 = Clock::now();
    for (size_t off = 0; off < data.size(); off += step) {
      stage(std::span<const uint8_t>(data).subspan(off, std::min(step, data.size() - off)));
    }
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, data.size() / s / 1e6);
  }
  return best;
}

void Row(const char* name, double mbps, double baseline) {
  std::printf("| %-38s | %9.0f | %6.1f%% |\n", name, mbps, 100.0 * mbps / baseline);
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 64;
  size_t step = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 4096;
  auto data = RandomData(mib << 20);
  std::vector<uint8_t> sink(step);
  egd::SecureBytes passed;  // what egdd's daemon uses
  passed.reserve(2 * step + 4096);

  double copy = Measure(data, step, [&](auto in) { std::memcpy(sink.data(), in.data(), in.size()); });
  std::printf("health-bench: %zu MiB of random data, %zu-byte reads, best of 5, one core\n\n",
              mib, step);
  std::printf("| stage                                  |      MB/s | vs memcpy |\n|---|---:|---:|\n");
  Row("memcpy (baseline)", copy, copy);
  egd::TotalFailureParams tf;
  Row("total failure test, 1 chunk at a time", Measure(data, 100, [&](auto in) {
        if (egd::TotalFailureCheck(in, tf)) std::abort();
      }), copy);
  for (auto mode : {egd::SampleMode::kBit, egd::SampleMode::kByte}) {
    bool bit = mode == egd::SampleMode::kBit;
    egd::ContinuousTests ct({mode, 1.0, 40});
    Row(bit ? "SP 800-90B RCT+APT, bit samples" : "SP 800-90B RCT+APT, byte samples",
        Measure(data, step, [&](auto in) { if (ct.Feed(in)) std::abort(); }), copy);
    egd::HealthParams hp;
    hp.continuous.mode = mode;
    hp.startup_bytes = 0;
    egd::HealthGate gate(hp);
    Row(bit ? "whole gate (TF+RCT+APT), bit" : "whole gate (TF+RCT+APT), byte",
        Measure(data, step, [&](auto in) {
          passed.clear();
          if (gate.Push(in, &passed)) std::abort();
        }), copy);
  }
  egd::Conditioner cond(1.0);
  Row("SHA-512 conditioning (H = 1.0)", Measure(data, step, [&](auto in) {
        passed.clear();
        cond.Push(in, &passed);
      }), copy);
  return 0;
}
