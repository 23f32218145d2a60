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
  CHECK(error == "--procedure must be A, B, fips, 90b, 90b-iid or 90b-restart");
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

TEST_CASE("egd-eval command line: k-bit samples for procedure A; FIPS defaults") {
  std::string error;
  auto o = ParseCli({"--procedure", "A", "cap.bin", "--bits-per-sample", "4"}, &error);
  REQUIRE(o);
  CHECK(o->bits_per_sample == 4);
  o = ParseCli({"--procedure", "A", "cap.bin"}, &error);
  REQUIRE(o);
  CHECK(o->bits_per_sample == 8);  // the file as a bit stream
  CHECK_FALSE(ParseCli({"--procedure", "A", "f", "--bits-per-sample", "0"}, &error));
  CHECK(error == "--bits-per-sample takes a number from 1 to 8");
  for (const char* p : {"B", "fips"}) {
    CAPTURE(p);
    CHECK_FALSE(ParseCli({"--procedure", p, "f", "--bits-per-sample", "8"}, &error));
    CHECK(error == std::string("--bits-per-sample is for procedures A and 90b; ") + p +
                       " reads every byte as 8 bits");
  }
  o = ParseCli({"--procedure", "fips", "cap.bin"}, &error);
  REQUIRE(o);
  CHECK(o->fips.runs_table == fips140::RunsTable::kChangeNotice1);
  CHECK(o->fips.crngt_bits == 32);
  o = ParseCli({"--procedure", "fips", "cap.bin", "--fips-runs", "2001-05-25", "--crngt-bits", "16"}, &error);
  REQUIRE(o);
  CHECK(o->fips.runs_table == fips140::RunsTable::kOriginal);
  CHECK(o->fips.crngt_bits == 16);
}

TEST_CASE("egd-eval command line: SP 800-90B IID and restart tests") {
  std::string error;
  auto o = ParseCli({"--procedure", "90b-iid", "cap.bin", "--bits-per-sample", "4", "--json"}, &error);
  REQUIRE(o);
  CHECK(o->procedure == "90b-iid");
  CHECK(o->bits_per_sample == 4);
  CHECK_FALSE(o->seed);  // the default seed is the assessment's
  o = ParseCli({"--procedure", "90b-iid", "cap.bin", "--seed", "18446744073709551615"}, &error);
  REQUIRE(o);
  CHECK(o->seed == UINT64_MAX);
  for (const char* bad : {"-1", "x", "1.5", "", "18446744073709551616"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseCli({"--procedure", "90b-iid", "f", "--seed", bad}, &error));
    CHECK(error == "--seed takes a number from 0 to 18446744073709551615");
  }
  CHECK_FALSE(ParseCli({"--procedure", "90b", "f", "--seed", "1"}, &error));
  CHECK(error == "--seed is for --procedure 90b-iid");
  CHECK_FALSE(o->all_tests);  // by default a chi-square or LRS rejection skips the permutation tests
  o = ParseCli({"--procedure", "90b-iid", "--all-tests", "cap.bin", "--json"}, &error);
  REQUIRE(o);
  CHECK(o->all_tests);
  CHECK(o->json);
  CHECK(o->file == "cap.bin");
  for (const char* procedure : {"90b", "A", "fips"}) {
    CAPTURE(procedure);
    CHECK_FALSE(ParseCli({"--procedure", procedure, "f", "--all-tests"}, &error));
    CHECK(error == "--all-tests is for --procedure 90b-iid");
  }
  CHECK_FALSE(ParseCli({"--procedure", "90b-restart", "f", "--all-tests", "--h-initial", "1"}, &error));
  CHECK(error == "--all-tests is for --procedure 90b-iid");

  o = ParseCli({"--procedure", "90b-restart", "cap.bin", "--h-initial", "7.5", "--bits-per-sample", "8"}, &error);
  REQUIRE(o);
  CHECK(o->h_initial == 7.5);
  CHECK_FALSE(ParseCli({"--procedure", "90b-restart", "f"}, &error));
  CHECK(error == "--procedure 90b-restart needs --h-initial H");
  for (const char* bad : {"-0.5", "8.01", "x", "", "nan"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseCli({"--procedure", "90b-restart", "f", "--h-initial", bad}, &error));
    CHECK(error == "--h-initial takes a number from 0 to 8");
  }
  CHECK_FALSE(ParseCli({"--procedure", "90b-iid", "f", "--h-initial", "4"}, &error));
  CHECK(error == "--h-initial is for --procedure 90b-restart");
  CHECK_FALSE(ParseCli({"--procedure", "90b-restart", "f", "--h-initial"}, &error));
  CHECK(error == "--h-initial needs a value");
}

}  // namespace egdstat
