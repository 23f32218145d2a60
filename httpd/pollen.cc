#include "httpd/pollen.h"

#include <sodium.h>

#include "common/secure_memory.h"

namespace httpd {
namespace {

constexpr char kHex[] = "0123456789abcdef";

template <typename Out>
void AppendHex(const unsigned char* digest, size_t n, Out* out) {
  for (size_t i = 0; i < n; ++i) {
    out->push_back(kHex[digest[i] >> 4]);
    out->push_back(kHex[digest[i] & 15]);
  }
}

}  // namespace

std::string Sha512Hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha512_BYTES];
  crypto_hash_sha512(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::string out;
  AppendHex(digest, sizeof digest, &out);
  return out;
}

egd::SecureChars PollenAnswer(std::string_view challenge, std::span<const uint8_t> random) {
  crypto_hash_sha512_state state;
  unsigned char digest[crypto_hash_sha512_BYTES];
  egd::SecureChars out;
  out.reserve(4 * crypto_hash_sha512_BYTES + 2);
  crypto_hash_sha512_init(&state);
  crypto_hash_sha512_update(&state, reinterpret_cast<const unsigned char*>(challenge.data()),
                            challenge.size());
  crypto_hash_sha512_state copy = state;
  crypto_hash_sha512_final(&copy, digest);
  AppendHex(digest, sizeof digest, &out);
  out.push_back('\n');
  crypto_hash_sha512_update(&state, random.data(), random.size());
  crypto_hash_sha512_final(&state, digest);
  AppendHex(digest, sizeof digest, &out);
  out.push_back('\n');
  egd::Wipe(&state, sizeof state);
  egd::Wipe(&copy, sizeof copy);
  egd::Wipe(digest, sizeof digest);
  return out;
}

}  // namespace httpd
