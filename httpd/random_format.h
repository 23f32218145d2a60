// Turning random bytes into what the manual's endpoints return. Pure functions.
// Results carry entropy, so they are written straight into secure memory
// (egd::SecureChars, common/secure_memory.h); no std::string ever holds them.
//
// Bits are taken from the byte stream most significant bit first, each number
// consuming exactly numBits consecutive bits (so no entropy is thrown away
// between numbers: with a 60 bit/s device that matters). A number is therefore
// uniform over [0, 2^numBits) and is written as ceil(numBits/4) lowercase hex
// digits, with leading zeros; when numBits is not a multiple of 4 the first
// digit is below 2^(numBits mod 4), as the manual's security note 3 warns.
#pragma once

#include <cstdint>
#include <span>

#include "common/secure_memory.h"

namespace httpd {

// Bytes needed for `bits` bits: ceil(bits / 8).
uint64_t BytesForBits(uint64_t bits);

// The getRandom body: a JSON array of `quantity` numbers of `num_bits` bits
// each, e.g. ["08c1f27b","12d45f38"], from `bytes`, which must hold at least
// BytesForBits(num_bits * quantity) bytes. Allocated once, at its exact size.
egd::SecureChars NumbersJson(std::span<const uint8_t> bytes, uint64_t num_bits, uint64_t quantity);

enum class FileType { kBin, kTxt };

// The content of a test data file of `num_bits` bits taken from `bytes`
// (BytesForBits(num_bits) bytes):
//   bin: the bytes; in the last byte only the top (num_bits mod 8) bits are
//        random, the rest are zero;
//   txt: num_bits characters '0'/'1' (the format of NIST SP 800-22's ASCII
//        input), then a newline.
egd::SecureChars TestdataContent(std::span<const uint8_t> bytes, uint64_t num_bits, FileType type);

}  // namespace httpd
