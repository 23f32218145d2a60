// SPDX-License-Identifier: Apache-2.0
// Samples for an SP 800-90B entropy assessment (section 6.3, the non-IID
// track), prepared the way NIST's reference implementation (ea_non_iid 1.1.7)
// prepares them, so that every estimator sees the same data:
// - each input byte is one sample of `bits` bits (1..8); a byte with a bit set
//   above them is an error (the reference masks it away silently);
// - the bitstring is every sample's `bits` bits, most significant first, taken
//   before relabelling;
// - the literal samples are relabelled to 0..alphabet-1 in the order of their
//   values when fewer distinct values occur than the largest value plus one
//   (sparse symbols), so per-symbol tables are dense.
// Pure; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace egdstat {

struct EntropySamples {
  int bits = 8;                    // bits per sample (the data's word size)
  int alphabet = 0;                // distinct sample values (k in the standard)
  std::vector<uint8_t> literal;    // relabelled samples, each < alphabet
  std::vector<uint8_t> bitstring;  // bits * literal.size() values, each 0 or 1
  bool binary() const { return alphabet == 2; }
};

// Fills *out from `data`; returns "" or why the data cannot be assessed
// (bits out of 1..8, no samples, a sample wider than `bits`).
std::string PrepareSamples(std::span<const uint8_t> data, int bits, EntropySamples* out);

// "" when `bits` is 1..8 and every byte of `data` fits in it, else why not
// (the first sample wider than `bits`). PrepareSamples' check; egd-eval's
// procedure A uses it for k-bit samples too.
std::string CheckSampleWidth(std::span<const uint8_t> data, int bits);

}  // namespace egdstat
