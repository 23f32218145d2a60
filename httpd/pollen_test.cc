#include "httpd/pollen.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

TEST_CASE("pollen's answer: sha512(challenge) and sha512(challenge || random)") {
  // sha512("abc"), the FIPS 180-2 test vector: pollinate checks the first line.
  const std::string abc =
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
  CHECK(Sha512Hex("abc") == abc);
  std::vector<uint8_t> random = {'d', 'e', 'f'};
  egd::SecureChars secure = PollenAnswer("abc", random);
  std::string answer(secure.begin(), secure.end());
  CHECK(answer == abc + "\n" + Sha512Hex("abcdef") + "\n");
}

}  // namespace
}  // namespace httpd
