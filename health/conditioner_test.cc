#include "health/conditioner.h"

#include <catch2/catch.hpp>
#include <numeric>

namespace egd {
namespace {

TEST_CASE("input per block carries 512 + 64 bits of assessed entropy") {
  CHECK(ConditionerInputPerBlock(1.0) == 72);
  CHECK(ConditionerInputPerBlock(0.5) == 144);
  CHECK(ConditionerInputPerBlock(0.1) == 720);
  CHECK(ConditionerInputPerBlock(0.3) == 240);
}

TEST_CASE("each output block is SHA-512 of its input block, in any feeding pattern") {
  std::vector<uint8_t> in(72 * 3 + 10);
  std::iota(in.begin(), in.end(), 0);
  SecureBytes whole, pieces;
  Conditioner a(1.0), b(1.0);
  a.Push(in, &whole);
  for (size_t i = 0; i < in.size(); i += 5) {
    b.Push(std::span(in).subspan(i, std::min<size_t>(5, in.size() - i)), &pieces);
  }
  REQUIRE(whole.size() == 3 * 64);
  CHECK(whole == pieces);
  CHECK(a.pending() == 10);
  uint8_t expect[64];
  crypto_hash_sha512(expect, in.data() + 72, 72);
  CHECK(std::equal(expect, expect + 64, whole.begin() + 64));
}

TEST_CASE("reset drops a partial block") {
  std::vector<uint8_t> in(100, 7);
  SecureBytes out;
  Conditioner c(1.0);
  c.Push(std::span(in).first(50), &out);
  c.Reset();
  c.Push(std::span(in).first(72), &out);
  uint8_t expect[64];
  crypto_hash_sha512(expect, in.data(), 72);
  REQUIRE(out.size() == 64);
  CHECK(std::equal(expect, expect + 64, out.begin()));
}

TEST_CASE("the hash state lives in secure memory and is released with the conditioner") {
  size_t before = GetSecureMemoryStats().in_use_bytes;
  {
    Conditioner c(1.0);
    CHECK(GetSecureMemoryStats().in_use_bytes >= before + sizeof(crypto_hash_sha512_state));
  }
  CHECK(GetSecureMemoryStats().in_use_bytes == before);
}

}  // namespace
}  // namespace egd
