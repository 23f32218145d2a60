#include "httpd/pollen.h"

#include <sodium.h>

namespace httpd {
namespace {

std::string Hex(const unsigned char* digest, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace

std::string Sha512Hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha512_BYTES];
  crypto_hash_sha512(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return Hex(digest, sizeof digest);
}

std::string PollenAnswer(std::string_view challenge, std::span<const uint8_t> random) {
  crypto_hash_sha512_state state;
  unsigned char digest[crypto_hash_sha512_BYTES];
  crypto_hash_sha512_init(&state);
  crypto_hash_sha512_update(&state, reinterpret_cast<const unsigned char*>(challenge.data()),
                            challenge.size());
  crypto_hash_sha512_state copy = state;
  crypto_hash_sha512_final(&copy, digest);
  std::string first = Hex(digest, sizeof digest);
  crypto_hash_sha512_update(&state, random.data(), random.size());
  crypto_hash_sha512_final(&state, digest);
  std::string second = Hex(digest, sizeof digest);
  sodium_memzero(&state, sizeof state);
  sodium_memzero(digest, sizeof digest);
  return first + "\n" + second + "\n";
}

}  // namespace httpd
