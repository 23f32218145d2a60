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
  CHECK(error == "--procedure must be A, B, fips or 90b");
  CHECK_FALSE(ParseCli({"--procedure", "B"}, &error));
  CHECK(error == "no FILE");
  CHECK_FALSE(ParseCli({"--procedure", "B", "a", "b"}, &error));
  CHECK_FALSE(ParseCli({"--procedure", "B", "a", "--crngt-bits", "15"}, &error));
  CHECK_FALSE(ParseCli({"--procedure", "B", "a", "--verbose"}, &error));
  CHECK_FALSE(ParseCli({"--procedure"}, &error));
  CHECK(ParseCli({"--help"}, &error)->help);
}

TEST_CASE("egd-eval command line: SP 800-90B") {
  std::string error;
  auto o = ParseCli({"--procedure", "90b", "cap.bin"}, &error);
  REQUIRE(o);
  CHECK(o->bits_per_sample == 8);
  o = ParseCli({"--procedure", "90b", "cap.bin", "--bits-per-sample", "1", "--json"}, &error);
  REQUIRE(o);
  CHECK(o->bits_per_sample == 1);
  CHECK(o->json);
  for (const char* bad : {"0", "9", "x", "8x", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseCli({"--procedure", "90b", "f", "--bits-per-sample", bad}, &error));
    CHECK(error == "--bits-per-sample takes a number from 1 to 8");
  }
}

}  // namespace egdstat
