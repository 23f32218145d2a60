// SPDX-License-Identifier: Apache-2.0
#include "eval/entropy_samples.h"

#include <array>
#include <cstring>

namespace egdstat {

std::string CheckSampleWidth(std::span<const uint8_t> data, int bits) {
  if (bits < 1 || bits > 8) return "bits per sample must be 1..8, not " + std::to_string(bits);
  const unsigned limit = 1u << bits;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] >= limit) {
      return "sample " + std::to_string(i) + " is " + std::to_string(data[i]) + ", wider than " +
             std::to_string(bits) + " bits";
    }
  }
  return "";
}

std::string PrepareSamples(std::span<const uint8_t> data, int bits, EntropySamples* out) {
  if (bits < 1 || bits > 8) return "bits per sample must be 1..8, not " + std::to_string(bits);
  if (data.empty()) return "no samples";
  if (std::string why = CheckSampleWidth(data, bits); !why.empty()) return why;
  const unsigned limit = 1u << bits;
  std::array<bool, 256> seen{};
  uint8_t max_value = 0;
  for (uint8_t s : data) {
    seen[s] = true;
    if (s > max_value) max_value = s;
  }
  std::array<uint8_t, 256> label{};
  int alphabet = 0;
  for (unsigned v = 0; v < limit; ++v) {
    if (seen[v]) label[v] = static_cast<uint8_t>(alphabet++);
  }
  out->bits = bits;
  out->alphabet = alphabet;
  out->bitstring.resize(data.size() * static_cast<size_t>(bits));
  uint8_t* b = out->bitstring.data();
  if (bits == 8) {  // eight bytes at a time, from a table of each value's bits
    std::array<std::array<uint8_t, 8>, 256> spread{};
    for (unsigned v = 0; v < 256; ++v) {
      for (int j = 0; j < 8; ++j) spread[v][static_cast<size_t>(j)] = (v >> (7 - j)) & 1;
    }
    for (uint8_t s : data) {
      std::memcpy(b, spread[s].data(), 8);
      b += 8;
    }
  } else {
    for (uint8_t s : data) {
      for (int j = bits - 1; j >= 0; --j) *b++ = (s >> j) & 1;
    }
  }
  bool relabel = alphabet < max_value + 1;
  out->literal.assign(data.begin(), data.end());
  if (relabel) {
    for (uint8_t& s : out->literal) s = label[s];
    // The reference's 1-bit bitstring is the sample array itself, relabelled
    // with it (only all-ones data is relabelled: to all zeros).
    if (bits == 1) out->bitstring = out->literal;
  }
  return "";
}

}  // namespace egdstat
