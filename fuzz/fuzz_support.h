// Helpers shared by the fuzz targets: an invariant check that stops the run,
// and fuzzer-chosen piece boundaries for incremental parsers.
//
// Input layout used by the incremental targets: the parser's byte stream is the
// FRONT of the fuzzer's input; a few control bytes are taken from its END (as
// FuzzedDataProvider does for integers) before the rest is read as the stream.
// So a plain stream file is a usable seed: its last bytes only pick the cuts.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

// A violated invariant is a finding: print it and abort (libFuzzer saves the input).
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace egd_fuzz {

// Where to cut a stream into pieces: chosen by the fuzzer before the stream
// is read. Resolve() turns it into ascending offsets in [0, n].
class Cuts {
 public:
  explicit Cuts(FuzzedDataProvider& fdp) {
    const int count = fdp.ConsumeIntegralInRange<int>(0, 9);
    bytewise_ = count == 9;  // every byte its own piece
    for (int i = 0; i < count && !bytewise_; ++i) raw_.push_back(fdp.ConsumeIntegral<uint16_t>());
  }

  // Piece boundaries for a stream of n bytes: 0 = b0 <= b1 <= ... <= bk = n.
  std::vector<size_t> Resolve(size_t n) const {
    std::vector<size_t> b = {0, n};
    if (bytewise_) {
      for (size_t i = 1; i < n; ++i) b.push_back(i);
    } else {
      for (uint16_t r : raw_) b.push_back(r % (n + 1));
    }
    std::sort(b.begin(), b.end());
    return b;
  }

 private:
  bool bytewise_ = false;
  std::vector<uint16_t> raw_;
};

}  // namespace egd_fuzz
