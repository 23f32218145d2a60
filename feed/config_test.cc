// SPDX-License-Identifier: Apache-2.0
#include "feed/config.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "feed/options.h"

#ifndef FEED_EXAMPLE_CONFIG
#error "FEED_EXAMPLE_CONFIG must be the path of feed/egd-feed.example.toml"
#endif

namespace feed {
namespace {

using std::chrono::milliseconds;

std::string ErrorOf(const std::string& text) {
  Config config;
  config.device = "untouched";
  egd::Status status = ParseConfig(text, "feed.toml", &config);
  REQUIRE_FALSE(status.ok());
  CHECK(config.device == "untouched");
  return status.message();
}

Config Parsed(const std::string& text) {
  Config config;
  egd::Status status = ParseConfig(text, "feed.toml", &config);
  INFO(status.message());
  REQUIRE(status.ok());
  return config;
}

TEST_CASE("the example configuration loads and holds the defaults") {
  Config c;
  egd::Status status = LoadConfig(FEED_EXAMPLE_CONFIG, &c);
  INFO(status.message());
  REQUIRE(status.ok());
  Config d;
  CHECK(c.servers.at(0).text == "unix:/run/stunnel-egd-client/egd.sock");
  CHECK(c.read_timeout == d.read_timeout);
  CHECK(c.device == d.device);
  CHECK(c.credit_bits_per_byte == d.credit_bits_per_byte);
  CHECK(c.schedule.seed_bytes == d.schedule.seed_bytes);
  CHECK(c.schedule.reseed_bytes == d.schedule.reseed_bytes);
  CHECK(c.schedule.interval == d.schedule.interval);
  CHECK(c.schedule.low_watermark_bits == d.schedule.low_watermark_bits);
  CHECK(c.schedule.watermark_check == d.schedule.watermark_check);
  CHECK(c.schedule.backoff.initial == d.schedule.backoff.initial);
  CHECK(c.schedule.backoff.max == d.schedule.backoff.max);
  CHECK(c.schedule.backoff.jitter == d.schedule.backoff.jitter);
  CHECK(c.user == d.user);
  CHECK(c.log_level == d.log_level);
  CHECK(c.reseed_crng == d.reseed_crng);
  CHECK(c.metrics_file == d.metrics_file);
  CHECK(c.resume_check == d.resume_check);
  CHECK(c.resume_jump == d.resume_jump);
}

TEST_CASE("defaults are conservative") {
  Config d;
  CHECK(d.credit_bits_per_byte == 0.0);  // credit nothing unless told
  CHECK(d.reseed_crng == ReseedMode::kAuto);  // no capability kept for reseeding alone
  CHECK(d.metrics_file.empty());
  CHECK(d.resume_check == milliseconds(1000));
  CHECK(d.resume_jump == milliseconds(1000));
  CHECK(d.schedule.backoff.initial == milliseconds(1000));
  CHECK(d.schedule.backoff.max == milliseconds(300000));
  CHECK(d.schedule.backoff.jitter > 0);
}

TEST_CASE("keys are applied") {
  Config c = Parsed(
      "[server]\nconnect = \"unix:/run/egdd/egd.sock\"\nread_timeout_ms = 2500\n"
      "[feed]\ncredit_bits_per_byte = 6.5\nseed_bytes = 512\nreseed_bytes = 16\n"
      "interval_ms = 300\nlow_watermark_bits = 200\nwatermark_check_ms = 250\n"
      "device = \"/dev/urandom\"\n"
      "[reconnect]\ninitial_delay_ms = 50\nmax_delay_ms = 400\njitter = 0\n"
      "[daemon]\nuser = \"nobody\"\n[log]\nlevel = \"debug\"\n");
  CHECK(c.servers.at(0).is_unix);
  CHECK(c.servers.at(0).path == "/run/egdd/egd.sock");
  CHECK(c.read_timeout == milliseconds(2500));
  CHECK(c.credit_bits_per_byte == 6.5);
  CHECK(c.schedule.seed_bytes == 512);
  CHECK(c.schedule.reseed_bytes == 16);
  CHECK(c.schedule.interval == milliseconds(300));
  CHECK(c.schedule.low_watermark_bits == 200);
  CHECK(c.schedule.watermark_check == milliseconds(250));
  CHECK(c.device == "/dev/urandom");
  CHECK(c.schedule.backoff.initial == milliseconds(50));
  CHECK(c.schedule.backoff.max == milliseconds(400));
  CHECK(c.schedule.backoff.jitter == 0.0);
  CHECK(c.user == "nobody");
  CHECK(c.log_level == "debug");
}

TEST_CASE("errors carry the file and the line of the offending key") {
  CHECK(ErrorOf("[server]\nconnect = \"127.0.0.1:7777\"\n\n[feed]\ncredit_bits_per_byte = 9\n") ==
        "feed.toml:5: feed.credit_bits_per_byte: 9 is out of range [0, 8]");
  CHECK(ErrorOf("[feed]\ncredit_bits_per_byte = -0.5\n") ==
        "feed.toml:2: feed.credit_bits_per_byte: -0.5 is out of range [0, 8]");
  CHECK(ErrorOf("[feed]\nseed_bytes = 0\n") ==
        "feed.toml:2: feed.seed_bytes: 0 is out of range [1, 65536]");
  CHECK(ErrorOf("[feed]\n\ninterval_ms = \"60\"\n") ==
        "feed.toml:3: feed.interval_ms: expected an integer, got a string");
  CHECK(ErrorOf("[server]\nconect = \"x\"\n") == "feed.toml:2: unknown key 'conect' in [server]");
  CHECK(ErrorOf("[servers]\n") == "feed.toml:1: unknown table [servers]");
  CHECK(ErrorOf("user = \"x\"\n") == "feed.toml:1: unknown key 'user' outside any table");
  CHECK(ErrorOf("[server]\nconnect = \"localhost:7777\"\n") ==
        "feed.toml:2: server.connect: 'localhost:7777': the host must be a numeric IPv4 address "
        "or a bracketed IPv6 address (host names are not resolved)");
  CHECK(ErrorOf("[server]\nconnect = \"127.0.0.1:0\"\n") ==
        "feed.toml:2: server.connect: '127.0.0.1:0': the port must be a number in 1..65535");
  CHECK(ErrorOf("[server]\nconnect = \"unix:egd.sock\"\n") ==
        "feed.toml:2: server.connect: 'unix:egd.sock': 'egd.sock' is not an absolute path");
  CHECK(ErrorOf("[log]\nlevel = \"loud\"\n") ==
        "feed.toml:2: log.level: 'loud' is not one of error, warning, notice, info, debug");
  CHECK(ErrorOf("[reconnect]\ninitial_delay_ms = 5000\nmax_delay_ms = 1000\n") ==
        "feed.toml:3: reconnect.max_delay_ms: 1000 is below initial_delay_ms (5000)");
  CHECK(ErrorOf("[reconnect]\njitter = 1.5\n") ==
        "feed.toml:2: reconnect.jitter: 1.5 is out of range [0, 1]");
  CHECK(ErrorOf("[feed]\ndevice = \"\"\n") == "feed.toml:2: feed.device: must not be empty");
}

TEST_CASE("the kernel keys: reseed_crng, metrics_file, resume check") {
  Config c = Parsed("[feed]\nreseed_crng = \"yes\"\nmetrics_file = \"/var/lib/x/egd_feed.prom\"\n"
                    "resume_check_ms = 250\nresume_jump_ms = 5000\n");
  CHECK(c.reseed_crng == ReseedMode::kYes);
  CHECK(c.metrics_file == "/var/lib/x/egd_feed.prom");
  CHECK(c.resume_check == milliseconds(250));
  CHECK(c.resume_jump == milliseconds(5000));
  CHECK(Parsed("[feed]\nreseed_crng = \"no\"\nresume_check_ms = 0\n").resume_check ==
        milliseconds(0));
  CHECK(ErrorOf("[feed]\nreseed_crng = true\n") ==
        "feed.toml:2: feed.reseed_crng: expected a string, got a boolean");
  CHECK(ErrorOf("[feed]\nreseed_crng = \"always\"\n") ==
        "feed.toml:2: feed.reseed_crng: 'always' is not one of auto, yes, no");
  CHECK(ErrorOf("[feed]\n\nresume_check_ms = 50\n") ==
        "feed.toml:3: feed.resume_check_ms: 50 is neither 0 (off) nor in [100, 86400000]");
  CHECK(ErrorOf("[feed]\nresume_jump_ms = 0\n") ==
        "feed.toml:2: feed.resume_jump_ms: 0 is out of range [100, 86400000]");
}

TEST_CASE("TOML syntax errors carry a line too") {
  std::string e = ErrorOf("[server]\nconnect = \"127.0.0.1:7777\"\n[feed\n");
  CHECK(e.rfind("feed.toml:3: ", 0) == 0);
}

TEST_CASE("endpoints") {
  egd::EgdEndpoint e;
  REQUIRE(ParseEndpoint("[::1]:8888", &e).ok());
  CHECK_FALSE(e.is_unix);
  CHECK(e.host == "::1");
  CHECK(e.port == 8888);
  REQUIRE(ParseEndpoint("127.0.0.1:7777", &e).ok());
  CHECK(e.host == "127.0.0.1");
  CHECK(e.text == "127.0.0.1:7777");
  CHECK_FALSE(ParseEndpoint("127.0.0.1", &e).ok());
  CHECK_FALSE(ParseEndpoint("::1:8888", &e).ok());
  CHECK_FALSE(ParseEndpoint("127.0.0.1:99999", &e).ok());
  CHECK_FALSE(ParseEndpoint("unix:/" + std::string(200, 'x'), &e).ok());
}

Options Args(std::vector<std::string> args) {
  Options o;
  egd::Status st = ParseArgs(args, &o);
  INFO(st.message());
  REQUIRE(st.ok());
  return o;
}

std::string ArgsError(std::vector<std::string> args) {
  Options o;
  egd::Status st = ParseArgs(args, &o);
  REQUIRE_FALSE(st.ok());
  return st.message();
}

TEST_CASE("command line: --connect alone is enough; overrides apply") {
  Options o = Args({"--connect", "unix:/tmp/egd.sock", "--bits-per-byte", "2.25", "--seed-bytes",
                    "128", "--interval=0.5", "--once", "--device", "/dev/random",
                    "--read-timeout", "3", "--watermark", "100", "--log-level", "debug"});
  Config c;
  REQUIRE(BuildConfig(o, &c).ok());
  CHECK(o.once);
  CHECK(c.servers.at(0).path == "/tmp/egd.sock");
  CHECK(c.credit_bits_per_byte == 2.25);
  CHECK(c.schedule.seed_bytes == 128);
  CHECK(c.schedule.reseed_bytes == 64);
  CHECK(c.schedule.interval == milliseconds(500));
  CHECK(c.read_timeout == milliseconds(3000));
  CHECK(c.schedule.low_watermark_bits == 100);
  CHECK(c.log_level == "debug");
}

TEST_CASE("command line: --reseed and --metrics-file") {
  Options o = Args({"--connect", "unix:/tmp/egd.sock", "--reseed", "no", "--metrics-file",
                    "/tmp/egd_feed.prom"});
  Config c;
  REQUIRE(BuildConfig(o, &c).ok());
  CHECK(c.reseed_crng == ReseedMode::kNo);
  CHECK(c.metrics_file == "/tmp/egd_feed.prom");
  CHECK(ArgsError({"--connect", "127.0.0.1:7777", "--reseed", "always"}) ==
        "--reseed: 'always' is not one of auto, yes, no");
  CHECK(ArgsError({"--connect", "127.0.0.1:7777", "--reseed", "yes", "--reseed", "maybe"}) ==
        "--reseed: 'maybe' is not one of auto, yes, no");
}

TEST_CASE("command line: the file, then the overrides") {
  Options o = Args({"--config", FEED_EXAMPLE_CONFIG, "--bits-per-byte", "1"});
  Config c;
  REQUIRE(BuildConfig(o, &c).ok());
  CHECK(c.servers.at(0).text == "unix:/run/stunnel-egd-client/egd.sock");
  CHECK(c.credit_bits_per_byte == 1.0);
}

TEST_CASE("command line errors") {
  CHECK(ArgsError({}) == "either --config FILE or --connect ADDRESS is needed");
  CHECK(ArgsError({"--connect", "127.0.0.1:7777", "--bits-per-byte", "8.5"}) ==
        "--bits-per-byte: '8.5' is not a number in [0, 8]");
  CHECK(ArgsError({"--connect", "127.0.0.1:7777", "--seed-bytes", "-1"}) ==
        "--seed-bytes: '-1' is not an integer in [1, 65536]");
  CHECK(ArgsError({"--connect", "127.0.0.1:7777", "--interval", "0.01"}) ==
        "--interval: '0.01' is not a number in [0.1, 86400]");
  CHECK(ArgsError({"--connect", "nowhere"}) ==
        "--connect: 'nowhere': expected HOST:PORT or unix:/PATH");
  CHECK(ArgsError({"--connect", "127.0.0.1:7777", "--interval"}) == "--interval: a value is missing");
  CHECK(ArgsError({"--connect", "127.0.0.1:7777", "--frobnicate", "1"}) ==
        "unknown option --frobnicate");
}

TEST_CASE("a file without a server needs --connect") {
  Options o;
  o.config_file = "/dev/null";  // an empty document: all defaults
  Config c;
  egd::Status st = BuildConfig(o, &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "/dev/null: no server: set [server] connect or pass --connect");
  o.connect = {egd::EgdEndpoint{false, "127.0.0.1", 1, "", "127.0.0.1:1"}};
  CHECK(BuildConfig(o, &c).ok());
}

TEST_CASE("several servers: a list in the file and mix, or one string as before") {
  Config c = Parsed("[server]\nconnect = [\"unix:/run/a.sock\", \"10.0.0.2:7776\"]\nmix = 2\n");
  REQUIRE(c.servers.size() == 2);
  CHECK(c.servers[0].path == "/run/a.sock");
  CHECK(c.servers[1].text == "10.0.0.2:7776");
  CHECK(c.mix == 2);
  CHECK(ServerList(c.servers) == "unix:/run/a.sock, 10.0.0.2:7776");
  Config one = Parsed("[server]\nconnect = \"unix:/run/a.sock\"\n");
  CHECK(one.servers.size() == 1);
  CHECK(one.mix == 1);
}

TEST_CASE("several servers: errors") {
  CHECK(ErrorOf("[server]\nconnect = [\"unix:/a\", \"unix:/a\"]\n") ==
        "feed.toml:2: server.connect: 'unix:/a' is listed twice");
  CHECK(ErrorOf("[server]\nconnect = []\n") ==
        "feed.toml:2: server.connect: the list of servers is empty");
  CHECK(ErrorOf("[server]\nconnect = \"unix:/a\"\nmix = 0\n").find("server.mix") !=
        std::string::npos);
  CHECK(ErrorOf("[server]\nconnect = \"unix:/a\"\nmix = 17\n").find("feed.toml:3") == 0);
  Config c;
  Options o = Args({"--connect", "unix:/a", "--mix", "2"});
  egd::Status st = BuildConfig(o, &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() ==
        "egd-feed: mix = 2 needs at least 2 servers, 1 given (server.connect or --connect)");
}

TEST_CASE("command line: --connect repeated replaces the file's list, and --mix") {
  Options o = Args({"--config", FEED_EXAMPLE_CONFIG, "--connect", "unix:/a", "--connect",
                    "127.0.0.1:7776", "--connect", "unix:/c", "--mix", "2"});
  Config c;
  REQUIRE(BuildConfig(o, &c).ok());
  CHECK(ServerList(c.servers) == "unix:/a, 127.0.0.1:7776, unix:/c");
  CHECK(c.mix == 2);
  CHECK(ArgsError({"--connect", "unix:/a", "--connect", "unix:/a"}) ==
        "--connect: 'unix:/a' is listed twice");
  CHECK(ArgsError({"--connect", "unix:/a", "--mix", "0"}) ==
        "--mix: '0' is not an integer in [1, 16]");
}

TEST_CASE("a missing file is an error naming it") {
  Config c;
  egd::Status st = LoadConfig("/nonexistent/feed.toml", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "/nonexistent/feed.toml: cannot open: No such file or directory");
}


TEST_CASE("a directory given as the configuration file is an error naming it") {
  Config c;
  egd::Status st = LoadConfig("/tmp", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "/tmp: cannot read: Is a directory");
}

TEST_CASE("restart-only keys: the device and the user; the server applies at a reload") {
  CHECK(ConfigSchema().RestartOnlyKeys() == std::vector<std::string>{"feed.device", "daemon.user"});
  Config running = Parsed("[server]\nconnect = \"127.0.0.1:7776\"\n");
  Config loaded = Parsed(R"(
[server]
connect = "unix:/run/egd.sock"
read_timeout_ms = 500
[feed]
device = "/tmp/elsewhere"
reseed_bytes = 32
interval_ms = 1000
[daemon]
user = "nobody"
[log]
level = "debug"
)");
  std::vector<std::string> kept;
  ConfigSchema().KeepRestartOnly(running, &loaded, &kept);
  CHECK(kept == std::vector<std::string>{"feed.device", "daemon.user"});
  CHECK(loaded.device == "/dev/random");
  CHECK(loaded.user.empty());
  CHECK(loaded.servers.at(0).text == "unix:/run/egd.sock");
  CHECK(loaded.read_timeout == milliseconds(500));
  CHECK(loaded.schedule.reseed_bytes == 32);
  CHECK(loaded.schedule.interval == milliseconds(1000));
  CHECK(loaded.log_level == "debug");
  kept.clear();
  Config same = running;
  ConfigSchema().KeepRestartOnly(running, &same, &kept);
  CHECK(kept.empty());
}

}  // namespace
}  // namespace feed
