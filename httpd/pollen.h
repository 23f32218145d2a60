// The answer of a pollen server (Ubuntu's Entropy-as-a-Service protocol, as
// spoken by Debian's `pollen` and checked by `pollinate`): the client sends a
// challenge string (pollinate: the hex SHA-512 of 64 local random bytes); the
// answer is two lines of lowercase hex,
//   sha512(challenge)                 - pollinate verifies this line
//   sha512(challenge || random)       - the seed pollinate mixes into its pool
// where `challenge` is hashed as the ASCII text received. Pure. The answer is
// a seed derived from entropy: it is written into secure memory only, and the
// hash state and digests are wiped.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/secure_memory.h"

namespace httpd {

egd::SecureChars PollenAnswer(std::string_view challenge, std::span<const uint8_t> random);

// Lowercase hex of SHA-512(data).
std::string Sha512Hex(std::string_view data);

}  // namespace httpd
