#include "egdd/config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#ifndef EGDD_EXAMPLE_CONFIG
#error "EGDD_EXAMPLE_CONFIG must be the absolute path of egdd/egdd.example.toml"
#endif

namespace egdd {
namespace {

// Parses `text` expecting an error; checks the output was left alone.
std::string ErrorOf(const std::string& text) {
  Config config;
  config.file = "untouched";
  config.egd.max_clients = 7;
  egd::Status status = ParseConfig(text, "egdd.toml", &config);
  REQUIRE_FALSE(status.ok());
  CHECK(config.file == "untouched");
  CHECK(config.egd.max_clients == 7);
  return status.message();
}

Config Parsed(const std::string& text) {
  Config config;
  egd::Status status = ParseConfig(text, "egdd.toml", &config);
  INFO(status.message());
  REQUIRE(status.ok());
  return config;
}

std::string ListenError(std::string_view text) {
  ListenAddress address;
  egd::Status status = ParseListenAddress(text, &address);
  REQUIRE_FALSE(status.ok());
  return status.message();
}

void CheckDefaults(const Config& c, bool listen = true) {
  Config d;
  CHECK(c.source.kind == d.source.kind);
  CHECK(c.source.path == d.source.path);
  CHECK(c.source.entropy_per_bit == d.source.entropy_per_bit);
  CHECK(c.source.entropy_certified == d.source.entropy_certified);
  CHECK(c.assessment.samples == d.assessment.samples);
  CHECK(c.assessment.bits_per_sample == d.assessment.bits_per_sample);
  CHECK(c.assessment.state_dir == d.assessment.state_dir);
  CHECK(c.source.offset_file == d.source.offset_file);
  CHECK(c.source.autostart == d.source.autostart);
  CHECK(c.source.read_size == d.source.read_size);
  CHECK(c.serial.port == d.serial.port);
  CHECK(c.serial.baud_rate == d.serial.baud_rate);
  if (listen) {
    REQUIRE(c.egd.listen.size() == d.egd.listen.size());
    CHECK(c.egd.listen[0].text == d.egd.listen[0].text);
  }
  CHECK(c.source.replay == d.source.replay);
  CHECK(c.egd.proxy_trusted_peers.size() == d.egd.proxy_trusted_peers.size());
  CHECK(c.egd.max_clients_per_address == d.egd.max_clients_per_address);
  CHECK(c.egd.ipv4_prefix == d.egd.ipv4_prefix);
  CHECK(c.egd.ipv6_prefix == d.egd.ipv6_prefix);
  CHECK(c.egd.max_clients == d.egd.max_clients);
  CHECK(c.egd.command_timeout == d.egd.command_timeout);
  CHECK(c.egd.max_pending_output == d.egd.max_pending_output);
  CHECK(c.egd.unix_mode == d.egd.unix_mode);
  CHECK(c.control.socket == d.control.socket);
  CHECK(c.control.mode == d.control.mode);
  CHECK(c.pool.size_bytes == d.pool.size_bytes);
  CHECK(c.output.mode == d.output.mode);
  CHECK(c.health.total_failure_chunk == d.health.total_failure_chunk);
  CHECK(c.health.total_failure_max_identical == d.health.total_failure_max_identical);
  CHECK(c.egd.client_rate_limit == d.egd.client_rate_limit);
  CHECK(c.egd.client_burst == d.egd.client_burst);
  CHECK(c.health.sample == d.health.sample);
  CHECK(c.health.alpha_exponent == d.health.alpha_exponent);
  CHECK(c.health.startup_test == d.health.startup_test);
  CHECK(c.health.on_alarm == d.health.on_alarm);
  CHECK(c.health.reinit_delay == d.health.reinit_delay);
  CHECK(c.log.level == d.log.level);
}

// "section.key" for every `key = ` line of a TOML file, by plain text scanning.
std::set<std::string> KeysIn(const std::string& path) {
  std::ifstream in(path);
  std::set<std::string> keys;
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.rfind("[", 0) == 0) {
      section = line.substr(1, line.find(']') - 1);
    } else if (size_t eq = line.find(" = "); eq != std::string::npos && line[0] != '#') {
      keys.insert(section + "." + line.substr(0, eq));
    }
  }
  return keys;
}

TEST_CASE("defaults") {
  Config c;
  CHECK(c.source.kind == SourceKind::kHwrng);
  CHECK(c.source.path == "/dev/hwrng");
  CHECK(c.source.entropy_per_bit == 1.0);
  CHECK(c.source.autostart);
  CHECK(c.source.read_size == 4096);
  CHECK(c.serial.port == "/dev/ttyUSB0");
  CHECK(c.serial.baud_rate == 9600);
  CHECK_FALSE(c.source.replay);
  REQUIRE(c.egd.listen.size() == 1);
  CHECK(c.egd.listen[0].text == "unix:/run/egdd/egd.sock");
  CHECK(c.egd.listen[0].is_unix);
  CHECK_FALSE(c.egd.listen[0].proxy);
  CHECK(c.egd.listen[0].path == "/run/egdd/egd.sock");
  CHECK(c.egd.proxy_trusted_peers.empty());
  CHECK(c.egd.max_clients == 1024);
  CHECK(c.egd.max_clients_per_address == 0);
  CHECK(EffectiveMaxClientsPerAddress(c.egd) == 256);
  CHECK(c.egd.ipv4_prefix == 32);
  CHECK(c.egd.ipv6_prefix == 64);
  CHECK(c.egd.command_timeout == std::chrono::milliseconds(10000));
  CHECK(c.egd.max_pending_output == 65536);
  CHECK(c.egd.unix_mode == "0666");
  CHECK(c.control.socket == "/run/egdd/control.sock");
  CHECK(c.control.mode == "0660");
  CHECK(c.pool.size_bytes == 1048576);
  CHECK(c.output.mode == OutputMode::kRaw);
  CHECK(c.health.total_failure_chunk == 100);
  CHECK(c.health.total_failure_max_identical == 12);
  CHECK(c.log.level == "info");
}

TEST_CASE("an empty document yields the defaults and records its name") {
  Config c = Parsed("");
  CheckDefaults(c);
  CHECK(c.file == "egdd.toml");
  CheckDefaults(Parsed("# only a comment\n\n[egd]\n"));
}

TEST_CASE("SourceKindName") {
  CHECK(SourceKindName(SourceKind::kSerial) == "serial");
  CHECK(SourceKindName(SourceKind::kHwrng) == "hwrng");
  CHECK(SourceKindName(SourceKind::kFile) == "file");
  CHECK(SourceKindName(SourceKind::kOs) == "os");
}

TEST_CASE("every key is parsed") {
  Config c = Parsed(R"(
[source]
kind = "file"
path = "/tmp/capture.bin"
entropy_per_bit = 0.5
autostart = false
read_size = 1048576
replay = true
[serial]
port = "/dev/ttyACM3"
baud_rate = 115200
[egd]
listen = ["0.0.0.0:7000", "[::1]:7001", "unix:/tmp/e/egd.sock"]
proxy_trusted_peers = ["192.0.2.7", "2001:db8::/32"]
max_clients = 1000000
max_clients_per_address = 1000000
ipv4_prefix = 8
ipv6_prefix = 128
command_timeout_ms = 100
max_pending_output = 512
unix_mode = "0600"
client_rate_limit = 1000
client_burst = 255
[control]
socket = "/tmp/e/control.sock"
mode = "0600"
[pool]
size_bytes = 256
[output]
mode = "conditioned"
[health]
total_failure_chunk = 65536
total_failure_max_identical = 65535
sample = "byte"
alpha_exponent = 64
startup_test = false
on_alarm = "stop"
reinit_delay_ms = 3600000
[log]
level = "debug"
)");
  CHECK(c.source.kind == SourceKind::kFile);
  CHECK(c.source.path == "/tmp/capture.bin");
  CHECK(c.source.entropy_per_bit == 0.5);
  CHECK_FALSE(c.source.autostart);
  CHECK(c.source.read_size == 1048576);
  CHECK(c.source.replay);
  REQUIRE(c.egd.proxy_trusted_peers.size() == 2);
  CHECK(c.egd.proxy_trusted_peers[0].Contains("192.0.2.7"));
  CHECK(c.egd.proxy_trusted_peers[1].Contains("2001:db8:ffff::1"));
  CHECK_FALSE(c.egd.proxy_trusted_peers[1].Contains("2001:db9::1"));
  CHECK(c.egd.max_clients_per_address == 1000000);
  CHECK(c.egd.ipv4_prefix == 8);
  CHECK(c.egd.ipv6_prefix == 128);
  CHECK(c.serial.port == "/dev/ttyACM3");
  CHECK(c.serial.baud_rate == 115200);
  REQUIRE(c.egd.listen.size() == 3);
  CHECK(c.egd.listen[0].host == "0.0.0.0");
  CHECK(c.egd.listen[0].port == 7000);
  CHECK(c.egd.listen[1].host == "::1");
  CHECK(c.egd.listen[1].port == 7001);
  CHECK(c.egd.listen[2].is_unix);
  CHECK(c.egd.listen[2].path == "/tmp/e/egd.sock");
  CHECK(c.egd.max_clients == 1000000);
  CHECK(c.egd.command_timeout == std::chrono::milliseconds(100));
  CHECK(c.egd.max_pending_output == 512);
  CHECK(c.egd.unix_mode == "0600");
  CHECK(c.egd.client_rate_limit == 1000);
  CHECK(c.egd.client_burst == 255);
  CHECK(c.control.socket == "/tmp/e/control.sock");
  CHECK(c.control.mode == "0600");
  CHECK(c.pool.size_bytes == 256);
  CHECK(c.output.mode == OutputMode::kConditioned);
  CHECK(c.health.total_failure_chunk == 65536);
  CHECK(c.health.total_failure_max_identical == 65535);
  CHECK(c.health.sample == egd::SampleMode::kByte);
  CHECK(c.health.alpha_exponent == 64);
  CHECK_FALSE(c.health.startup_test);
  CHECK(c.health.on_alarm == AlarmPolicy::kStop);
  CHECK(c.health.reinit_delay == std::chrono::milliseconds(3600000));
  CHECK(c.log.level == "debug");
}

TEST_CASE("every enum value is accepted") {
  CHECK(Parsed("source.kind = \"serial\"").source.kind == SourceKind::kSerial);
  CHECK(Parsed("source.kind = \"hwrng\"").source.kind == SourceKind::kHwrng);
  CHECK(Parsed("source.kind = \"os\"").source.kind == SourceKind::kOs);
  CHECK(Parsed("output.mode = \"raw\"").output.mode == OutputMode::kRaw);
  for (const char* level : {"error", "warning", "notice", "info", "debug"}) {
    CHECK(Parsed(std::string("[log]\nlevel = \"") + level + "\"").log.level == level);
  }
}

TEST_CASE("upper bounds and equivalent spellings are accepted") {
  CHECK(Parsed("[source]\nentropy_per_bit = 1").source.entropy_per_bit == 1.0);
  CHECK(Parsed("[source]\nentropy_per_bit = 1e-3").source.entropy_per_bit == 0.001);
  CHECK(Parsed("[egd]\ncommand_timeout_ms = 3600000").egd.command_timeout ==
        std::chrono::hours(1));
  CHECK(Parsed("[egd]\nmax_pending_output = 67108864").egd.max_pending_output == 64 << 20);
  CHECK(Parsed("[pool]\nsize_bytes = 1_073_741_824").pool.size_bytes == 1u << 30);
  CHECK(Parsed("[serial]\nbaud_rate = 4000000").serial.baud_rate == 4000000);
  CHECK(Parsed("[serial]\nbaud_rate = 1200").serial.baud_rate == 1200);
  CHECK(Parsed("source = { kind = \"os\" }").source.kind == SourceKind::kOs);
  CHECK(Parsed("[health]\ntotal_failure_chunk = 16\ntotal_failure_max_identical = 15")
            .health.total_failure_max_identical == 15);
}

TEST_CASE("TOML syntax errors carry their line") {
  CHECK_THAT(ErrorOf("[egd]\nmax_clients = 3\nlisten = [\"a\"\n"),
             Catch::StartsWith("egdd.toml:3: "));
  CHECK_THAT(ErrorOf("\n\n[source]\nkind = \"x\n"), Catch::StartsWith("egdd.toml:4: "));
  CHECK_THAT(ErrorOf("[source]\n[pool]\n[source]\n"),
             Catch::StartsWith("egdd.toml:3: ") && Catch::Contains("source"));
  CHECK_THAT(ErrorOf(std::string("a = 1\n\0\n", 8)), Catch::StartsWith("egdd.toml:2: "));
}

TEST_CASE("unknown tables and keys are named with their line") {
  CHECK(ErrorOf("[egd]\nmax_clients = 3\n\n\n\n\nmax_client = 4\n") ==
        "egdd.toml:7: unknown key 'max_client' in [egd]");
  CHECK(ErrorOf("[egd]\n\n[sources]\nkind = \"os\"\n") == "egdd.toml:3: unknown table [sources]");
  CHECK(ErrorOf("[log]\n\n[egd.tls]\n") == "egdd.toml:3: unknown table [egd.tls]");
  CHECK(ErrorOf("\n\n[x.y]\n") == "egdd.toml:3: unknown table [x]");
  CHECK(ErrorOf("\nverbose = true\n") == "egdd.toml:2: unknown key 'verbose' outside any table");
  CHECK(ErrorOf("\n\npool.size = 64\n") == "egdd.toml:3: unknown key 'size' in [pool]");
  CHECK(ErrorOf("\nsource = { kind = \"os\", speed = 1 }\n") ==
        "egdd.toml:2: unknown key 'speed' in [source]");
}

TEST_CASE("wrong types are reported with their line") {
  CHECK(ErrorOf("[egd]\n\nmax_clients = \"many\"\n") ==
        "egdd.toml:3: egd.max_clients: expected an integer, got a string");
  CHECK(ErrorOf("[source]\nautostart = 1\n") ==
        "egdd.toml:2: source.autostart: expected a boolean, got an integer");
  CHECK(ErrorOf("[source]\nentropy_per_bit = \"1\"\n") ==
        "egdd.toml:2: source.entropy_per_bit: expected a float, got a string");
  CHECK(ErrorOf("[source]\nkind = 1\n") == "egdd.toml:2: source.kind: expected a string, got an integer");
  CHECK(ErrorOf("[pool]\nsize_bytes = 1.5\n") ==
        "egdd.toml:2: pool.size_bytes: expected an integer, got a float");
  CHECK(ErrorOf("[egd]\nlisten = \"127.0.0.1:1\"\n") ==
        "egdd.toml:2: egd.listen: expected an array, got a string");
  CHECK(ErrorOf("[egd]\nlisten = [\n  \"127.0.0.1:1\",\n  2,\n]\n") ==
        "egdd.toml:4: egd.listen: expected strings, got an integer");
  CHECK(ErrorOf("\n\negd = 1\n") == "egdd.toml:3: egd: expected a table, got an integer");
  CHECK(ErrorOf("[[pool]]\n") == "egdd.toml:1: pool: expected a table, got an array");
  CHECK(ErrorOf("[egd]\nunix_mode = 0o660\n") ==
        "egdd.toml:2: egd.unix_mode: expected a string, got an integer");
  CHECK(ErrorOf("[control]\nsocket = 1979-05-27\n") ==
        "egdd.toml:2: control.socket: expected a string, got a date");
}

TEST_CASE("out-of-range values state the range") {
  CHECK(ErrorOf("[source]\nentropy_per_bit = 0\n") ==
        "egdd.toml:2: source.entropy_per_bit: 0 is out of range (0, 1]");
  CHECK(ErrorOf("[source]\nentropy_per_bit = 1.5\n") ==
        "egdd.toml:2: source.entropy_per_bit: 1.5 is out of range (0, 1]");
  CHECK(ErrorOf("[source]\nentropy_per_bit = nan\n") ==
        "egdd.toml:2: source.entropy_per_bit: nan is out of range (0, 1]");
  CHECK(ErrorOf("[source]\nread_size = 0\n") ==
        "egdd.toml:2: source.read_size: 0 is out of range [1, 1048576]");
  CHECK(ErrorOf("[egd]\nmax_clients = 1000001\n") ==
        "egdd.toml:2: egd.max_clients: 1000001 is out of range [1, 1000000]");
  CHECK(ErrorOf("[egd]\nmax_clients = -1\n") ==
        "egdd.toml:2: egd.max_clients: -1 is out of range [1, 1000000]");
  CHECK(ErrorOf("[egd]\ncommand_timeout_ms = 99\n") ==
        "egdd.toml:2: egd.command_timeout_ms: 99 is out of range [100, 3600000]");
  CHECK(ErrorOf("[egd]\nmax_pending_output = 511\n") ==
        "egdd.toml:2: egd.max_pending_output: 511 is out of range [512, 67108864]");
  CHECK(ErrorOf("[pool]\nsize_bytes = 1073741825\n") ==
        "egdd.toml:2: pool.size_bytes: 1073741825 is out of range [256, 1073741824]");
  CHECK(ErrorOf("[health]\ntotal_failure_chunk = 15\n") ==
        "egdd.toml:2: health.total_failure_chunk: 15 is out of range [16, 65536]");
  CHECK(ErrorOf("[health]\nalpha_exponent = 19\n") ==
        "egdd.toml:2: health.alpha_exponent: 19 is out of range [20, 64]");
  CHECK(ErrorOf("[health]\non_alarm = \"panic\"\n") ==
        "egdd.toml:2: health.on_alarm: 'panic' is not one of reinit, stop");
  CHECK(ErrorOf("[health]\ntotal_failure_max_identical = 0\n") ==
        "egdd.toml:2: health.total_failure_max_identical: 0 is out of range [1, 65535]");
  CHECK_THAT(ErrorOf("[serial]\nbaud_rate = 9601\n"),
             Catch::StartsWith("egdd.toml:2: serial.baud_rate: 9601 is not a standard baud rate (") &&
                 Catch::Contains("9600, 19200") && Catch::EndsWith("4000000)"));
  CHECK_THAT(ErrorOf("[serial]\nbaud_rate = 0\n"), Catch::StartsWith("egdd.toml:2: serial.baud_rate: 0 "));
}

TEST_CASE("new [egd] keys: ranges and file:line errors") {
  CHECK(ErrorOf("[egd]\nmax_clients_per_address = -1\n") ==
        "egdd.toml:2: egd.max_clients_per_address: -1 is out of range [0, 1000000]");
  CHECK(ErrorOf("[egd]\n\nmax_clients_per_address = 1000001\n") ==
        "egdd.toml:3: egd.max_clients_per_address: 1000001 is out of range [0, 1000000]");
  CHECK(ErrorOf("[egd]\nipv4_prefix = 7\n") ==
        "egdd.toml:2: egd.ipv4_prefix: 7 is out of range [8, 32]");
  CHECK(ErrorOf("[egd]\nipv4_prefix = 33\n") ==
        "egdd.toml:2: egd.ipv4_prefix: 33 is out of range [8, 32]");
  CHECK(ErrorOf("[egd]\nipv6_prefix = 15\n") ==
        "egdd.toml:2: egd.ipv6_prefix: 15 is out of range [16, 128]");
  CHECK(ErrorOf("[egd]\nipv6_prefix = 129\n") ==
        "egdd.toml:2: egd.ipv6_prefix: 129 is out of range [16, 128]");
  CHECK(ErrorOf("[egd]\nproxy_trusted_peers = [\n  \"127.0.0.1\",\n  \"stunnel\",\n]\n") ==
        "egdd.toml:4: egd.proxy_trusted_peers: 'stunnel' is not an IP address or prefix");
  CHECK(ErrorOf("[egd]\nproxy_trusted_peers = [\"10.0.0.1/8\"]\n") ==
        "egdd.toml:2: egd.proxy_trusted_peers: '10.0.0.1/8': host bits set after the prefix");
  CHECK(ErrorOf("[egd]\nproxy_trusted_peers = \"127.0.0.1\"\n") ==
        "egdd.toml:2: egd.proxy_trusted_peers: expected an array, got a string");
  CHECK(ErrorOf("[source]\nreplay = \"yes\"\n") ==
        "egdd.toml:2: source.replay: expected a boolean, got a string");
}

TEST_CASE("max_clients_per_address 0 means a quarter of max_clients, at least 1") {
  CHECK(EffectiveMaxClientsPerAddress(Parsed("[egd]\nmax_clients = 8\n").egd) == 2);
  CHECK(EffectiveMaxClientsPerAddress(Parsed("[egd]\nmax_clients = 3\n").egd) == 1);
  CHECK(EffectiveMaxClientsPerAddress(Parsed("[egd]\nmax_clients = 1\n").egd) == 1);
  CHECK(EffectiveMaxClientsPerAddress(
            Parsed("[egd]\nmax_clients = 8\nmax_clients_per_address = 8\n").egd) == 8);
}

TEST_CASE("a TCP proxy listener needs proxy_trusted_peers; proxy:unix does not") {
  const std::string why =
      "egd.listen: 'proxy:127.0.0.1:8887' needs [egd] proxy_trusted_peers: the addresses of "
      "the TLS front ends allowed to send a PROXY header (or use a proxy:unix: listener)";
  CHECK(ErrorOf("[egd]\n\nlisten = [\"unix:/a\", \"proxy:127.0.0.1:8887\"]\n") ==
        "egdd.toml:3: " + why);
  CHECK(ErrorOf("[egd]\nproxy_trusted_peers = []\nlisten = [\"proxy:127.0.0.1:8887\"]\n") ==
        "egdd.toml:3: " + why);
  CHECK(Parsed("[egd]\nlisten = [\"proxy:127.0.0.1:8887\"]\nproxy_trusted_peers = "
               "[\"127.0.0.1\"]\n").egd.listen[0].proxy);
  CHECK(Parsed("[egd]\nlisten = [\"proxy:unix:/run/egdd/proxy/egd.sock\"]\n").egd.listen[0].proxy);
}

TEST_CASE("[[source]] tables: one source each, with its own serial port") {
  Config c = Parsed(
      "[[source]]\nname = \"tunnel\"\nkind = \"serial\"\nport = \"/dev/ttyUSB1\"\n"
      "baud_rate = 115200\n\n[[source]]\nname = \"hwrng\"\nkind = \"hwrng\"\n"
      "entropy_per_bit = 0.5\n");
  REQUIRE(c.sources.size() == 2);
  CHECK(c.sources[0].source.name == "tunnel");
  CHECK(c.sources[0].source.kind == SourceKind::kSerial);
  CHECK(c.sources[0].serial.port == "/dev/ttyUSB1");
  CHECK(c.sources[0].serial.baud_rate == 115200);
  CHECK(c.sources[1].source.name == "hwrng");
  CHECK(c.sources[1].source.entropy_per_bit == 0.5);
  CHECK(c.sources[1].serial.port == SerialConfig().port);
  CHECK(c.source.name == "tunnel");  // the first, for single-source code
  // A view renames the source's own key lines to the single-source keys.
  Config v = SourceView(c, 1);
  CHECK(v.source.name == "hwrng");
  CHECK(v.key_lines.at("source.kind") == 9);
  CHECK(v.key_lines.count("serial.port") == 0);
  CHECK(SourceView(c, 0).key_lines.at("serial.port") == 4);
}

TEST_CASE("a single [source] is the one source, named main unless named") {
  Config c = Parsed("[source]\nkind = \"os\"\n[serial]\nport = \"/dev/ttyS0\"\n");
  REQUIRE(c.sources.size() == 1);
  CHECK(c.sources[0].source.name == "main");
  CHECK(c.sources[0].serial.port == "/dev/ttyS0");
  CHECK(Parsed("").sources.size() == 1);
  CHECK(Parsed("[source]\nname = \"wind\"\n").sources[0].source.name == "wind");
}

TEST_CASE("bad [[source]] tables are errors at their line") {
  CHECK(ErrorOf("[[source]]\nname = \"a\"\nkind = \"os\"\n[[source]]\nkind = \"os\"\n"
                "name = \"a\"\n") == "egdd.toml:6: source[2].name: 'a' names two sources");
  CHECK(ErrorOf("[[source]]\nname = \"a\"\n[[source]]\nkind = \"os\"\n") ==
        "egdd.toml:4: source[2]: every [[source]] table needs a name");
  CHECK(ErrorOf("[[source]]\nname = \"a b\"\n") ==
        "egdd.toml:2: source[1].name: 'a b' is not a name (1 to 32 of A-Z a-z 0-9 . _ -)");
  CHECK(ErrorOf("[[source]]\nname = \"a\"\nkind = \"serial\"\n[[source]]\nname = \"b\"\n"
                "kind = \"serial\"\n") ==
        "egdd.toml:6: source[2].port: source 'b' reads the same device as 'a'");
  CHECK(ErrorOf("[[source]]\nname = \"a\"\n[[source]]\nname = \"b\"\n") ==
        "egdd.toml:4: source[2].path: source 'b' reads the same device as 'a'");
  CHECK(ErrorOf("[[source]]\nname = \"a\"\nbogus = 1\n") ==
        "egdd.toml:3: unknown key 'bogus' in [source[1]]");
  CHECK(ErrorOf("[[source]]\nname = \"a\"\n[serial]\nport = \"/dev/x\"\n") ==
        "egdd.toml:4: [serial] applies to a single [source] table: with [[source]] tables, set "
        "port and baud_rate in each serial source's table");
  CHECK(ErrorOf("[[source]]\nname = \"a\"\nkind = \"file\"\npath = \"/tmp/x\"\n")
            .find("egdd.toml:3: source[1].kind: \"file\" needs offset_file") == 0);
  CHECK(ErrorOf("source = []\n") == "egdd.toml:1: source: expected a table, got an array");
}

TEST_CASE("a file source needs offset_file or replay = true") {
  const std::string why =
      "source.kind: \"file\" needs offset_file so that a restart never serves the capture's "
      "bytes again, or replay = true (tests, demos)";
  CHECK(ErrorOf("[source]\npath = \"/tmp/c\"\n\nkind = \"file\"\n") == "egdd.toml:4: " + why);
  CHECK(ErrorOf("[source]\nkind = \"file\"\nreplay = false\noffset_file = \"\"\n") ==
        "egdd.toml:2: " + why);
  CHECK(Parsed("[source]\nkind = \"file\"\nreplay = true\n").source.replay);
  CHECK(Parsed("[source]\nkind = \"file\"\noffset_file = \"/var/lib/egdd/offset\"\n")
            .source.kind == SourceKind::kFile);
  CHECK(Parsed("[source]\nkind = \"os\"\n").source.kind == SourceKind::kOs);
}

TEST_CASE("total_failure_max_identical must be below the chunk size") {
  const std::string suffix = " (it must be below total_failure_chunk)";
  CHECK(ErrorOf("[health]\n\ntotal_failure_max_identical = 100\n") ==
        "egdd.toml:3: health.total_failure_max_identical: 100 is out of range [1, 99]" + suffix);
  CHECK(ErrorOf("[health]\ntotal_failure_max_identical = 16\ntotal_failure_chunk = 16\n") ==
        "egdd.toml:2: health.total_failure_max_identical: 16 is out of range [1, 15]" + suffix);
}

TEST_CASE("bad enum values list the allowed ones") {
  CHECK(ErrorOf("\n[source]\nkind = \"usb\"\n") ==
        "egdd.toml:3: source.kind: 'usb' is not one of serial, hwrng, file, os");
  CHECK(ErrorOf("[output]\nmode = \"Raw\"\n") ==
        "egdd.toml:2: output.mode: 'Raw' is not one of raw, conditioned");
  CHECK(ErrorOf("[log]\nlevel = \"warn\"\n") ==
        "egdd.toml:2: log.level: 'warn' is not one of error, warning, notice, info, debug");
}

TEST_CASE("bad strings, modes and socket paths") {
  CHECK(ErrorOf("[source]\npath = \"\"\n") == "egdd.toml:2: source.path: must not be empty");
  CHECK(ErrorOf("[serial]\nport = \"\"\n") == "egdd.toml:2: serial.port: must not be empty");
  CHECK(ErrorOf("[egd]\nunix_mode = \"0668\"\n") ==
        "egdd.toml:2: egd.unix_mode: '0668' is not an octal mode like \"0660\"");
  CHECK(ErrorOf("[control]\nmode = \"1777\"\n") ==
        "egdd.toml:2: control.mode: '1777' is not an octal mode like \"0660\"");
  CHECK(ErrorOf("[control]\nsocket = \"control.sock\"\n") ==
        "egdd.toml:2: control.socket: 'control.sock' is not an absolute path");
  CHECK(ErrorOf("[source]\noffset_file = \"offset\"\n") ==
        "egdd.toml:2: source.offset_file: 'offset' is not an absolute path");
  CHECK(Parsed("[source]\noffset_file = \"/var/lib/egdd/offset\"\n").source.offset_file ==
        "/var/lib/egdd/offset");
  std::string long_path = "/" + std::string(107, 'x');
  CHECK(ErrorOf("[control]\nsocket = \"" + long_path + "\"\n") ==
        "egdd.toml:2: control.socket: '" + long_path +
            "' is 108 bytes long; unix socket paths must be shorter than 108 bytes");
  std::string max_path = long_path.substr(1);
  max_path[0] = '/';
  CHECK(Parsed("[control]\nsocket = \"" + max_path + "\"\n").control.socket == max_path);
}

TEST_CASE("bad listen addresses are reported at the element's line") {
  CHECK(ErrorOf("[egd]\nlisten = []\n") == "egdd.toml:2: egd.listen: must list at least one address");
  CHECK(ErrorOf("[egd]\nlisten = [\n  \"127.0.0.1:1\",\n  \"localhost:8888\",\n]\n") ==
        "egdd.toml:4: egd.listen: 'localhost:8888': the host must be a numeric IPv4 address or "
        "a bracketed IPv6 address (host names are not resolved)");
  CHECK(ErrorOf("[egd]\nlisten = [\n  \"unix:/a\",\n\n  \"unix:/a\",\n]\n") ==
        "egdd.toml:5: egd.listen: 'unix:/a' is listed twice");
  CHECK(ErrorOf("[egd]\nlisten = [\"[::1]:80\", \"[0:0::1]:80\"]\n") ==
        "egdd.toml:2: egd.listen: '[0:0::1]:80' is listed twice");
  CHECK(Parsed("[egd]\nlisten = [\"127.0.0.1:80\", \"127.0.0.1:81\", \"[::1]:80\"]").egd.listen.size() ==
        3);
}

TEST_CASE("proxy listen addresses") {
  ListenAddress a;
  REQUIRE(ParseListenAddress("proxy:127.0.0.1:8887", &a).ok());
  CHECK(a.proxy);
  CHECK_FALSE(a.is_unix);
  CHECK(a.host == "127.0.0.1");
  CHECK(a.port == 8887);
  CHECK(a.text == "proxy:127.0.0.1:8887");
  REQUIRE(ParseListenAddress("proxy:unix:/tmp/x", &a).ok());
  CHECK(a.proxy);
  CHECK(a.is_unix);
  CHECK(a.path == "/tmp/x");
  CHECK(ErrorOf("[egd]\nlisten = [\"proxy:127.0.0.1:1\", \"127.0.0.1:1\"]\n") ==
        "egdd.toml:2: egd.listen: '127.0.0.1:1' is listed twice");
  CHECK(ErrorOf("[egd]\nclient_burst = 100\n") ==
        "egdd.toml:2: egd.client_burst: 100 is out of range [255, 1073741824]");
}

TEST_CASE("ParseListenAddress") {
  ListenAddress a;
  REQUIRE(ParseListenAddress("127.0.0.1:8888", &a).ok());
  CHECK((!a.is_unix && a.host == "127.0.0.1" && a.port == 8888 && a.text == "127.0.0.1:8888"));
  REQUIRE(ParseListenAddress("[::1]:1", &a).ok());
  CHECK((!a.is_unix && a.host == "::1" && a.port == 1 && a.text == "[::1]:1"));
  REQUIRE(ParseListenAddress("[::]:65535", &a).ok());
  CHECK((a.host == "::" && a.port == 65535));
  REQUIRE(ParseListenAddress("unix:/run/egdd/egd.sock", &a).ok());
  CHECK((a.is_unix && a.path == "/run/egdd/egd.sock" && a.text == "unix:/run/egdd/egd.sock"));

  const std::string names = "the host must be a numeric IPv4 address or a bracketed IPv6 "
                            "address (host names are not resolved)";
  CHECK(ListenError("localhost:8888") == "'localhost:8888': " + names);
  CHECK(ListenError("1.2.3:80") == "'1.2.3:80': " + names);
  CHECK(ListenError(":80") == "':80': " + names);
  CHECK(ListenError("[fe80::1%eth0]:80") == "'[fe80::1%eth0]:80': " + names);
  CHECK(ListenError("::1:8888") == "'::1:8888': IPv6 addresses must be in brackets, like [::1]:8888");
  CHECK(ListenError("[::1]8888") == "'[::1]8888': expected [IPv6]:PORT");
  CHECK(ListenError("127.0.0.1") == "'127.0.0.1': expected HOST:PORT or unix:/PATH");
  CHECK(ListenError("") == "'': expected HOST:PORT or unix:/PATH");
  for (const char* bad : {"127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:", "127.0.0.1:8x",
                          "127.0.0.1:-1", "127.0.0.1:+80", "[::1]:999999"}) {
    CHECK(ListenError(bad) == "'" + std::string(bad) + "': the port must be a number in 1..65535");
  }
  CHECK(ListenError("unix:") == "'unix:': '' is not an absolute path");
  CHECK(ListenError("unix:egd.sock") == "'unix:egd.sock': 'egd.sock' is not an absolute path");
  CHECK(ParseListenAddress("unix:/" + std::string(106, 'x'), &a).ok());
  CHECK_THAT(ListenError("unix:/" + std::string(107, 'x')),
             Catch::EndsWith("is 108 bytes long; unix socket paths must be shorter than 108 bytes"));
}

TEST_CASE("a failed ParseListenAddress leaves its output alone") {
  ListenAddress a;
  REQUIRE(ParseListenAddress("127.0.0.1:9", &a).ok());
  CHECK_FALSE(ParseListenAddress("127.0.0.1:0", &a).ok());
  CHECK((a.text == "127.0.0.1:9" && a.port == 9));
}

TEST_CASE("ParseMode") {
  unsigned mode = 1234;
  CHECK((ParseMode("0660", &mode) && mode == 0660));
  CHECK((ParseMode("0777", &mode) && mode == 0777));
  CHECK((ParseMode("600", &mode) && mode == 0600));
  CHECK((ParseMode("0", &mode) && mode == 0));
  mode = 1234;
  for (const char* bad : {"", "0778", "0800", "1000", "01777", "00660", "rw", "0o660", " 0660", "-1"}) {
    INFO(bad);
    CHECK_FALSE(ParseMode(bad, &mode));
  }
  CHECK(mode == 1234);
}

TEST_CASE("LoadConfig reads files and names them in errors") {
  char path[] = "/tmp/egdd_config_test_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << "[egd]\nmax_clients = 5\n\nmax_clients_ = 6\n";
  Config c;
  egd::Status status = LoadConfig(path, &c);
  CHECK(status.message() == std::string(path) + ":4: unknown key 'max_clients_' in [egd]");
  std::ofstream(path) << "[egd]\nmax_clients = 5\n";
  REQUIRE(LoadConfig(path, &c).ok());
  CHECK(c.egd.max_clients == 5);
  CHECK(c.file == path);
  std::remove(path);
  CHECK(LoadConfig(path, &c).message() == std::string(path) + ": cannot open: No such file or directory");
  CHECK(LoadConfig("/tmp", &c).message() == "/tmp: cannot read: Is a directory");
}

TEST_CASE("the example file holds every key with its default") {
  Config c;
  egd::Status status = LoadConfig(EGDD_EXAMPLE_CONFIG, &c);
  INFO(status.message());
  REQUIRE(status.ok());
  CheckDefaults(c, false);
  REQUIRE(c.egd.listen.size() == 2);
  CHECK(c.egd.listen[0].text == Config().egd.listen[0].text);
  CHECK(c.egd.listen[1].text == "proxy:unix:/run/egdd/proxy/egd.sock");
  // Not a default (none): the packaged trng-httpd.toml reads from it.
  REQUIRE(c.egd.internal_listen.size() == 1);
  CHECK(c.egd.internal_listen[0].text == "unix:/run/egdd/internal.sock");
  std::set<std::string> expected = {
      "source.name", "source.kind", "source.path", "source.entropy_per_bit", "source.entropy_certified",
      "source.autostart", "assessment.samples", "assessment.bits_per_sample",
      "assessment.state_dir",
      "source.read_size", "source.offset_file", "source.replay", "serial.port",
      "serial.baud_rate", "egd.listen", "egd.internal_listen", "egd.proxy_trusted_peers",
      "egd.max_clients",
      "egd.max_clients_per_address", "egd.ipv4_prefix", "egd.ipv6_prefix",
      "egd.command_timeout_ms", "egd.max_pending_output", "egd.unix_mode",
      "egd.client_rate_limit", "egd.client_burst", "control.socket",
      "control.mode", "pool.size_bytes", "output.mode", "health.total_failure_chunk",
      "health.total_failure_max_identical", "health.sample", "health.alpha_exponent",
      "health.startup_test", "health.on_alarm", "health.reinit_delay_ms", "log.level"};
  CHECK(KeysIn(EGDD_EXAMPLE_CONFIG) == expected);
}

TEST_CASE("errors found after loading name the line of their key (AtKey)") {
  Config c = Parsed("[egd]\nmax_clients = 5\n\n[control]\nsocket = \"/run/x.sock\"\n");
  CHECK(c.key_lines.at("control.socket") == 5);
  CHECK(AtKey(c, {"control.socket"}, "control.socket: boom") ==
        "egdd.toml:5: control.socket: boom");
  CHECK(AtKey(c, {"serial.port", "egd.max_clients"}, "x") == "egdd.toml:2: x");
  CHECK(AtKey(c, {"serial.port"}, "not set in the file") == "egdd.toml: not set in the file");
}

TEST_CASE("a reload keeps the restart-only keys (source.autostart) and names them") {
  CHECK(RestartOnlyKeys() == std::vector<std::string>{"source.autostart"});
  Config running = Parsed("[source]\nautostart = true\n");
  Config loaded = Parsed("[source]\nautostart = false\nread_size = 100\n");
  std::vector<std::string> kept;
  KeepRestartOnly(running, &loaded, &kept);
  CHECK(kept == std::vector<std::string>{"source.autostart"});
  CHECK(loaded.source.autostart);
  CHECK(loaded.source.read_size == 100);
}

}  // namespace
}  // namespace egdd
