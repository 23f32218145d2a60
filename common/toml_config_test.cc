#include "common/toml_config.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace egd::toml_config {
namespace {

enum class Color { kRed, kGreen };
constexpr EnumName<Color> kColors[] = {{"red", Color::kRed}, {"green", Color::kGreen}};

struct TestConfig {
  std::string file;
  int count = 1;
  std::chrono::seconds age{5};
  std::chrono::milliseconds wait{100};
  double fraction = 0.5;
  double number = 2;
  bool flag = false;
  std::string name = "default";
  std::string word = "one";
  Color color = Color::kRed;
  int parsed = 0;
  std::vector<std::string> list;
  int low = 1, high = 2;
};

// "n" or "n..." must be digits; used for Parsed.
Status ParseDigits(const std::string& text, int* out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Error("'" + text + "' is not a number");
  }
  *out = std::stoi(text);
  return Status::Ok();
}

std::string LowHigh(const TestConfig& c, const KeyLines& lines, uint32_t* line) {
  if (c.low <= c.high) return "";
  *line = FirstLine(lines, {"b.high", "b.low"});
  return "b.high: below b.low";
}

std::vector<Section<TestConfig>> Sections() {
  using C = TestConfig;
  return {
      {"a",
       {{"count", [](Field& f, C& c) { return f.Int(-3, 10, &c.count); }},
        {"age_s", [](Field& f, C& c) { return f.Duration(1, 60, &c.age); }},
        {"wait_ms", [](Field& f, C& c) { return f.Millis(10, 1000, &c.wait); }},
        {"fraction", [](Field& f, C& c) { return f.Fraction(&c.fraction); }},
        {"number", [](Field& f, C& c) { return f.Number(-1, 8, &c.number); }},
        {"flag", [](Field& f, C& c) { return f.Bool(&c.flag); }},
        {"name", [](Field& f, C& c) { return f.NonEmptyString(&c.name); }},
        {"any", [](Field& f, C& c) { return f.String(&c.name); }},
        {"word", [](Field& f, C& c) { return f.OneOf({"one", "two"}, &c.word); },
         RestartOnly<&C::word>()},
        {"color", [](Field& f, C& c) { return f.Enum(kColors, &c.color); }},
        {"parsed", [](Field& f, C& c) { return f.Parsed(&c.parsed, ParseDigits); }},
        {"list", [](Field& f, C& c) {
           std::vector<std::string> list;
           bool ok = f.StringArray([&](const std::string& s) {
             if (s == "bad") return Status::Error("'bad' is refused");
             list.push_back(s);
             return Status::Ok();
           });
           if (ok) c.list = list;
           return ok;
         }}}},
      {"b",
       {{"low", [](Field& f, C& c) { return f.Int(0, 100, &c.low); }, RestartOnly<&C::low>()},
        {"high", [](Field& f, C& c) { return f.Int(0, 100, &c.high); }}}},
  };
}

const Schema<TestConfig>& Plain() {
  static const Schema<TestConfig> schema({}, Sections(), LowHigh);
  return schema;
}

const Schema<TestConfig>& Detailed() {
  static const Schema<TestConfig> schema(
      {.detailed_dates = true, .nested_table_names = true}, Sections(), LowHigh);
  return schema;
}

TestConfig Ok(const std::string& text) {
  TestConfig c;
  Status status = Plain().Parse(text, "t.toml", &c);
  INFO(status.message());
  REQUIRE(status.ok());
  CHECK(c.file == "t.toml");
  return c;
}

// Parses `text` expecting an error; checks the output was left alone.
std::string ErrorOf(const std::string& text, const Schema<TestConfig>& schema = Plain()) {
  TestConfig c;
  c.file = "untouched";
  c.count = 99;
  Status status = schema.Parse(text, "t.toml", &c);
  REQUIRE_FALSE(status.ok());
  CHECK(c.file == "untouched");
  CHECK(c.count == 99);
  return status.message();
}

TEST_CASE("toml_config: an empty document gives the defaults") {
  TestConfig c = Ok("");
  CHECK(c.count == 1);
  CHECK(c.name == "default");
}

TEST_CASE("toml_config: strings with a NUL byte are refused (C calls would cut them)") {
  CHECK(ErrorOf("[a]\nname = \"x\\u0000y\"") == "t.toml:2: a.name: must not contain a NUL byte");
}

TEST_CASE("toml_config: integers are range-checked inclusively") {
  CHECK(Ok("[a]\ncount = -3").count == -3);
  CHECK(Ok("[a]\ncount = 10").count == 10);
  CHECK(ErrorOf("[a]\ncount = 11") == "t.toml:2: a.count: 11 is out of range [-3, 10]");
  CHECK(ErrorOf("[a]\n\ncount = -4") == "t.toml:3: a.count: -4 is out of range [-3, 10]");
  CHECK(ErrorOf("[a]\ncount = 1.0") == "t.toml:2: a.count: expected an integer, got a float");
  CHECK(ErrorOf("[a]\ncount = '1'") == "t.toml:2: a.count: expected an integer, got a string");
}

TEST_CASE("toml_config: durations count the duration's unit") {
  CHECK(Ok("[a]\nage_s = 60").age == std::chrono::seconds(60));
  CHECK(Ok("[a]\nwait_ms = 10").wait == std::chrono::milliseconds(10));
  CHECK(ErrorOf("[a]\nage_s = 0") == "t.toml:2: a.age_s: 0 is out of range [1, 60]");
  CHECK(ErrorOf("[a]\nwait_ms = 1001") ==
        "t.toml:2: a.wait_ms: 1001 is out of range [10, 1000]");
  CHECK(ErrorOf("[a]\nwait_ms = true") ==
        "t.toml:2: a.wait_ms: expected an integer, got a boolean");
}

TEST_CASE("toml_config: Fraction takes floats or integers above 0 up to 1") {
  CHECK(Ok("[a]\nfraction = 1").fraction == 1.0);
  CHECK(Ok("[a]\nfraction = 0.125").fraction == 0.125);
  CHECK(ErrorOf("[a]\nfraction = 0") == "t.toml:2: a.fraction: 0 is out of range (0, 1]");
  CHECK(ErrorOf("[a]\nfraction = 1.5") == "t.toml:2: a.fraction: 1.5 is out of range (0, 1]");
  CHECK(ErrorOf("[a]\nfraction = nan") == "t.toml:2: a.fraction: nan is out of range (0, 1]");
  CHECK(ErrorOf("[a]\nfraction = 'x'") == "t.toml:2: a.fraction: expected a float, got a string");
}

TEST_CASE("toml_config: Number takes floats or integers from lo to hi") {
  CHECK(Ok("[a]\nnumber = -1").number == -1.0);
  CHECK(Ok("[a]\nnumber = 8.0").number == 8.0);
  CHECK(ErrorOf("[a]\nnumber = 8.5") == "t.toml:2: a.number: 8.5 is out of range [-1, 8]");
  CHECK(ErrorOf("[a]\nnumber = -inf") == "t.toml:2: a.number: -inf is out of range [-1, 8]");
  CHECK(ErrorOf("[a]\nnumber = nan") == "t.toml:2: a.number: nan is out of range [-1, 8]");
  CHECK(ErrorOf("[a]\nnumber = [1]") == "t.toml:2: a.number: expected a number, got an array");
}

TEST_CASE("toml_config: booleans and strings") {
  CHECK(Ok("[a]\nflag = true").flag);
  CHECK(Ok("[a]\nany = ''").name.empty());
  CHECK(Ok("[a]\nname = 'x'").name == "x");
  CHECK(ErrorOf("[a]\nname = ''") == "t.toml:2: a.name: must not be empty");
  CHECK(ErrorOf("[a]\nflag = 1") == "t.toml:2: a.flag: expected a boolean, got an integer");
  CHECK(ErrorOf("[a]\nany = {}") == "t.toml:2: a.any: expected a string, got a table");
}

TEST_CASE("toml_config: Enum and OneOf list the allowed names") {
  CHECK(Ok("[a]\ncolor = 'green'").color == Color::kGreen);
  CHECK(Ok("[a]\nword = 'two'").word == "two");
  CHECK(ErrorOf("[a]\ncolor = 'Red'") == "t.toml:2: a.color: 'Red' is not one of red, green");
  CHECK(ErrorOf("[a]\nword = ''") == "t.toml:2: a.word: '' is not one of one, two");
  CHECK(ErrorOf("[a]\nword = 2") == "t.toml:2: a.word: expected a string, got an integer");
}

TEST_CASE("toml_config: Parsed reports the parser's message") {
  CHECK(Ok("[a]\nparsed = '42'").parsed == 42);
  CHECK(ErrorOf("[a]\nparsed = '4x'") == "t.toml:2: a.parsed: '4x' is not a number");
  CHECK(ErrorOf("[a]\nparsed = 4") == "t.toml:2: a.parsed: expected a string, got an integer");
}

TEST_CASE("toml_config: StringArray reports bad elements at their own line") {
  CHECK(Ok("[a]\nlist = []").list.empty());
  CHECK(Ok("[a]\nlist = ['x', 'y']").list == std::vector<std::string>{"x", "y"});
  CHECK(ErrorOf("[a]\nlist = [\n  'x',\n  'bad',\n]") == "t.toml:4: a.list: 'bad' is refused");
  CHECK(ErrorOf("[a]\nlist = [\n  'x',\n  3,\n]") ==
        "t.toml:4: a.list: expected strings, got an integer");
  CHECK(ErrorOf("[a]\nlist = 'x'") == "t.toml:2: a.list: expected an array, got a string");
}

TEST_CASE("toml_config: unknown tables and keys") {
  CHECK(ErrorOf("[c]\n") == "t.toml:1: unknown table [c]");
  CHECK(ErrorOf("\nc = 1") == "t.toml:2: unknown key 'c' outside any table");
  CHECK(ErrorOf("[a]\ncolour = 'red'") == "t.toml:2: unknown key 'colour' in [a]");
  CHECK(ErrorOf("a = 1") == "t.toml:1: a: expected a table, got an integer");
  // A table inside a section: the two dialects word it differently.
  CHECK(ErrorOf("[a.sub]\n") == "t.toml:1: unknown key 'sub' in [a]");
  CHECK(ErrorOf("[a.sub]\n", Detailed()) == "t.toml:1: unknown table [a.sub]");
  CHECK(ErrorOf("[a]\nfoo = 1", Detailed()) == "t.toml:2: unknown key 'foo' in [a]");
}

TEST_CASE("toml_config: dates are named per dialect") {
  CHECK(ErrorOf("[a]\ncount = 2024-01-01") ==
        "t.toml:2: a.count: expected an integer, got a date or time");
  CHECK(ErrorOf("[a]\ncount = 12:00:00") ==
        "t.toml:2: a.count: expected an integer, got a date or time");
  CHECK(ErrorOf("[a]\ncount = 2024-01-01", Detailed()) ==
        "t.toml:2: a.count: expected an integer, got a date");
  CHECK(ErrorOf("[a]\ncount = 12:00:00", Detailed()) ==
        "t.toml:2: a.count: expected an integer, got a time");
  CHECK(ErrorOf("[a]\ncount = 2024-01-01T12:00:00Z", Detailed()) ==
        "t.toml:2: a.count: expected an integer, got a date-time");
}

// toml++ keeps a table's keys sorted by name, so that is the order keys are applied in.
TEST_CASE("toml_config: the first error wins, in key order") {
  CHECK(ErrorOf("[a]\nflag = 3\ncount = 50") ==
        "t.toml:3: a.count: 50 is out of range [-3, 10]");
  CHECK(ErrorOf("[b]\nlow = 1\n[a]\nnope = 1\ncount = 50") ==
        "t.toml:5: a.count: 50 is out of range [-3, 10]");
  CHECK(ErrorOf("[b]\nlow = 1\n[a]\nnope = 1\nwait_ms = 0") ==
        "t.toml:4: unknown key 'nope' in [a]");
}

TEST_CASE("toml_config: syntax errors carry file and line") {
  std::string message = ErrorOf("[a]\ncount = 1\ncount = 2");
  CHECK(message.starts_with("t.toml:3: "));
  message = ErrorOf("\n\n[a\n");
  CHECK(message.starts_with("t.toml:3: "));
}

TEST_CASE("toml_config: a Check rule runs after all keys, at the line it names") {
  TestConfig c = Ok("[b]\nlow = 5\nhigh = 5");
  CHECK(c.low == 5);
  CHECK(ErrorOf("[b]\nlow = 5\nhigh = 4") == "t.toml:3: b.high: below b.low");
  CHECK(ErrorOf("[b]\n\nlow = 5") == "t.toml:3: b.high: below b.low");  // high unset: low's line
  CHECK(FirstLine({}, {"x"}) == 0);
  CHECK(FirstLine({{"x", 4}, {"y", 9}}, {"z", "y", "x"}) == 9);
}

TEST_CASE("toml_config: Located and ReadFile") {
  CHECK(Located("f", 7, "m") == "f:7: m");
  std::string text = "unchanged";
  CHECK(ReadFile("/nonexistent/x.toml", &text).message() ==
        "/nonexistent/x.toml: cannot open: No such file or directory");
  CHECK(ReadFile("/tmp", &text).message() == "/tmp: cannot read: Is a directory");
  CHECK(text == "unchanged");

  std::string path = "/tmp/toml_config_test." + std::to_string(getpid()) + ".toml";
  {
    std::ofstream out(path, std::ios::binary);
    out << "[a]\ncount = 3\n" << std::string(20000, '#') << "\n";
  }
  REQUIRE(ReadFile(path, &text).ok());
  CHECK(text.size() == 14 + 20001);
  TestConfig c;
  Status status = Plain().Load(path, &c);
  std::remove(path.c_str());
  REQUIRE(status.ok());
  CHECK(c.count == 3);
  CHECK(c.file == path);
}

}  // namespace
}  // namespace egd::toml_config

namespace egd::toml_config {
namespace {

TEST_CASE("toml_config: a reload keeps restart-only keys at their running value and names them") {
  CHECK(Plain().RestartOnlyKeys() == std::vector<std::string>{"a.word", "b.low"});
  TestConfig running = Ok("[a]\nword = \"one\"\ncount = 2\n[b]\nlow = 1\n");
  TestConfig loaded = Ok("[a]\nword = \"two\"\ncount = 3\n[b]\nlow = 1\n");
  std::vector<std::string> kept;
  Plain().KeepRestartOnly(running, &loaded, &kept);
  CHECK(kept == std::vector<std::string>{"a.word"});
  CHECK(loaded.word == "one");  // kept
  CHECK(loaded.count == 3);     // live: the new value
  kept.clear();
  TestConfig same = Ok("[a]\nword = \"one\"\n");  // low back to its default, 1: unchanged
  Plain().KeepRestartOnly(running, &same, &kept);
  CHECK(kept.empty());
}

}  // namespace
}  // namespace egd::toml_config
