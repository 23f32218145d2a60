#include "eval/cli.h"

#include <catch2/catch.hpp>

namespace egdstat {

TEST_CASE("egd-eval command line") {
  std::string error;
  auto o = ParseCli({"--procedure", "A", "cap.bin", "--json"}, &error);
  REQUIRE(o);
  CHECK(o->procedure == "A");
  CHECK(o->file == "cap.bin");
  CHECK(o->json);

  o = ParseCli({"cap.bin", "--procedure", "fips", "--fips-runs", "2001-10-10", "--crngt-bits", "32"}, &error);
  REQUIRE(o);
  CHECK(o->fips.runs_table == fips140::RunsTable::kChangeNotice1);
  CHECK(o->fips.crngt_bits == 32);
  CHECK_FALSE(o->json);

  CHECK_FALSE(ParseCli({"--procedure", "C", "f"}, &error));
  CHECK(error == "--procedure must be A, B or fips");
  CHECK_FALSE(ParseCli({"--procedure", "B"}, &error));
  CHECK(error == "no FILE");
  CHECK_FALSE(ParseCli({"--procedure", "B", "a", "b"}, &error));
  CHECK_FALSE(ParseCli({"--procedure", "B", "a", "--crngt-bits", "15"}, &error));
  CHECK_FALSE(ParseCli({"--procedure", "B", "a", "--verbose"}, &error));
  CHECK_FALSE(ParseCli({"--procedure"}, &error));
  CHECK(ParseCli({"--help"}, &error)->help);
}

}  // namespace egdstat
