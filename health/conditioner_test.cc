#include "health/conditioner.h"

#include <catch2/catch.hpp>
#include <numeric>

namespace egd {
namespace {

TEST_CASE("input per block carries 512 + 64 bits of assessed entropy, in 640 bits at least") {
  CHECK(ConditionerInputPerBlock(1.0) == 80);
  CHECK(ConditionerInputPerBlock(0.95) == 80);
  CHECK(ConditionerInputPerBlock(0.9) == 80);
  CHECK(ConditionerInputPerBlock(0.8) == 90);
  CHECK(ConditionerInputPerBlock(0.5) == 144);
  CHECK(ConditionerInputPerBlock(0.1) == 720);
  CHECK(ConditionerInputPerBlock(0.3) == 240);
}

TEST_CASE("vetted output entropy (SP 800-90B 3.1.5.1.2) in the log domain") {
  // Reference values: the standard's formula evaluated with mpmath at 4,000
  // bits of precision (2^1392 and 2^-1392 exactly).
  OutputEntropy full = VettedOutputEntropy(576, 512, 512, 576);  // 72 ideal bytes
  CHECK(512 - full.h_out == Approx(8.94905928568e-9).epsilon(1e-4));  // 512's ulp is 1e-13
  CHECK(full.epsilon_exp == Approx(35.735616818).epsilon(1e-9));
  // 174 bytes at 0.415 bits per bit: psi dominates, epsilon 2^-74.
  OutputEntropy biased = VettedOutputEntropy(1392, 512, 512, 1392 * 0.415);
  CHECK(biased.h_out == 512);  // 2.4e-20 below 512: beyond a double
  CHECK(biased.epsilon_exp == Approx(74.1512336271).epsilon(1e-6));
  CHECK(VettedOutputEntropy(5760, 512, 512, 576).epsilon_exp == Approx(72.4712336271).epsilon(1e-6));
  // Too little input entropy: the output carries what came in.
  CHECK(VettedOutputEntropy(512, 512, 512, 256).h_out == Approx(256).epsilon(1e-12));
  // 80 bytes at full entropy (mpmath again): h_out 2e-18 below 512, epsilon 2^-67.7.
  CHECK(VettedOutputEntropy(640, 512, 512, 640).epsilon_exp == Approx(67.7356168135).epsilon(1e-6));
  CHECK(ConditionedEntropyPerBit(1.0) == 1.0);
  CHECK(ConditionedEntropyPerBit(0.415) == 1.0);
  CHECK(ConditionedEntropyPerBit(0.1) == 1.0);
}

TEST_CASE("each output block is SHA-512 of its input block, in any feeding pattern") {
  std::vector<uint8_t> in(80 * 3 + 10);
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
  crypto_hash_sha512(expect, in.data() + 80, 80);
  CHECK(std::equal(expect, expect + 64, whole.begin() + 64));
}

TEST_CASE("reset drops a partial block") {
  std::vector<uint8_t> in(100, 7);
  SecureBytes out;
  Conditioner c(1.0);
  c.Push(std::span(in).first(50), &out);
  c.Reset();
  c.Push(std::span(in).first(80), &out);
  uint8_t expect[64];
  crypto_hash_sha512(expect, in.data(), 80);
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
