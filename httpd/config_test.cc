#include "httpd/config.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

std::string Error(const std::string& text) {
  Config c;
  egd::Status st = ParseConfig(text, "t.toml", &c);
  return st.ok() ? "" : st.message();
}

Config Parse(const std::string& text) {
  Config c;
  egd::Status st = ParseConfig(text, "t.toml", &c);
  INFO(st.message());
  REQUIRE(st.ok());
  return c;
}

TEST_CASE("defaults: operator API on loopback, egdd over its unix socket, files on tmpfs") {
  Config c = Parse("");
  REQUIRE(c.http.listen.size() == 1);
  CHECK(c.http.listen[0].text == "127.0.0.1:8000");
  CHECK(c.http.listen[0].port == 8000);
  CHECK_FALSE(c.http.listen[0].proxy);
  CHECK(c.http.public_listen.empty());
  CHECK(c.http.proxy_trusted_peers.empty());
  CHECK(c.http.allowed_hosts.empty());
  CHECK(c.http.max_clients_per_address == 0);
  CHECK(c.http.PerAddressLimit() == 128);  // a quarter of max_clients
  CHECK(c.http.client_key.ipv4_prefix == 32);
  CHECK(c.http.client_key.ipv6_prefix == 64);
  CHECK(c.egdd.egd.is_unix);
  CHECK(c.egdd.egd.path == "/run/egdd/egd.sock");
  CHECK(c.egdd.control == "/run/egdd/control.sock");
  CHECK(c.files.dir == "/run/trng-httpd/files");
  CHECK(c.files.max_age == std::chrono::seconds(600));
  CHECK(c.limits.client_rate_limit == 0);
  CHECK(c.limits.client_burst == LargestRequestBytes(c));
  CHECK(c.egdd.init_timeout == std::chrono::milliseconds(60000));
}

TEST_CASE("the example file loads and states every default") {
  Config example, defaults;
  REQUIRE(LoadConfig(HTTPD_EXAMPLE_CONFIG, &example).ok());
  CHECK(example.http.listen == defaults.http.listen);
  CHECK(example.http.public_listen == defaults.http.public_listen);
  CHECK(example.http.allowed_hosts == defaults.http.allowed_hosts);
  CHECK(example.http.max_clients == defaults.http.max_clients);
  CHECK(example.http.max_clients_per_address == defaults.http.max_clients_per_address);
  CHECK(example.http.client_key == defaults.http.client_key);
  // Not the default (egdd's plain EGD socket, which egdd has by default): the
  // packaged pair reads through egdd's internal listener, counted apart.
  CHECK(example.egdd.egd.text == "unix:/run/egdd/internal.sock");
  CHECK(defaults.egdd.egd.text == "unix:/run/egdd/egd.sock");
  CHECK(example.egdd.connections == defaults.egdd.connections);
  CHECK(example.egdd.random_timeout == defaults.egdd.random_timeout);
  CHECK(example.limits.max_testdata_bits == defaults.limits.max_testdata_bits);
  CHECK(example.limits.client_rate_limit == defaults.limits.client_rate_limit);
  CHECK(example.limits.client_burst == defaults.limits.client_burst);
  CHECK(example.files.dir == defaults.files.dir);
  CHECK(example.files.max_age == defaults.files.max_age);
  CHECK(example.pollen.bytes == defaults.pollen.bytes);
  CHECK(example.http.javascript_dir == defaults.http.javascript_dir);
  CHECK(example.status.max_streams == defaults.status.max_streams);
  CHECK(example.status.max_streams_per_address == defaults.status.max_streams_per_address);
  CHECK(example.status.poll_interval == defaults.status.poll_interval);
  CHECK(example.status.rate_interval == defaults.status.rate_interval);
  CHECK(example.status.rate_day_interval == defaults.status.rate_day_interval);
  CHECK(example.status.sample_bytes == defaults.status.sample_bytes);
  CHECK(example.status.sample_interval == defaults.status.sample_interval);
}

TEST_CASE("keys are applied") {
  Config c = Parse(
      "[http]\nlisten = \"[::1]:9000\"\nallowed_hosts = [\"TRNG.example\", \"2001:db8::1\"]\n"
      "max_clients_per_address = 3\nipv6_prefix = 48\n"
      "[egdd]\negd = \"unix:/tmp/egd.sock\"\n"
      "random_timeout_ms = 500\n[files]\ndir = \"/tmp/x\"\n[pollen]\nenabled = false\n");
  REQUIRE(c.http.listen.size() == 1);
  CHECK(c.http.listen[0].host == "::1");
  CHECK(c.http.listen[0].port == 9000);
  CHECK(c.http.allowed_hosts == std::vector<std::string>{"trng.example", "[2001:db8::1]"});
  CHECK(c.http.PerAddressLimit() == 3);
  CHECK(c.http.client_key.ipv6_prefix == 48);
  CHECK(c.egdd.egd.is_unix);
  CHECK(c.egdd.egd.path == "/tmp/egd.sock");
  CHECK(c.egdd.random_timeout == std::chrono::milliseconds(500));
  CHECK(c.files.dir == "/tmp/x");
  CHECK_FALSE(c.pollen.enabled);
}

TEST_CASE("listeners: a string or an array, every kind of address, two roles") {
  Config c = Parse(
      "[http]\nlisten = [\"127.0.0.1:8000\", \"unix:/run/x/op.sock\", "
      "\"proxy:unix:/run/x/operator/http.sock\"]\n"
      "public_listen = [\"proxy:127.0.0.1:9000\", \"proxy:unix:/run/x/public/http.sock\"]\n"
      "proxy_trusted_peers = [\"127.0.0.1\", \"10.0.0.0/8\"]\n");
  REQUIRE(c.http.listen.size() == 3);
  CHECK(c.http.listen[1].is_unix);
  CHECK(c.http.listen[2].proxy);
  REQUIRE(c.http.public_listen.size() == 2);
  CHECK(c.http.public_listen[0].proxy);
  CHECK_FALSE(c.http.public_listen[0].is_unix);
  CHECK(c.http.proxy_trusted_peers.size() == 2);
  CHECK(Parse("[http]\npublic_listen = []\n").http.public_listen.empty());
}

TEST_CASE("listener rules are checked with file:line") {
  CHECK(Error("[http]\nlisten = []\n") == "t.toml:2: http.listen: must list at least one address");
  CHECK(Error("[http]\nlisten = 8000\n") ==
        "t.toml:2: http.listen: expected a string or an array of strings, got an integer");
  CHECK(Error("[http]\nlisten = [\"127.0.0.1:1\",\n  \"127.0.0.1:1\"]\n") ==
        "t.toml:3: http.listen: '127.0.0.1:1' is listed twice");
  CHECK(Error("[http]\n\npublic_listen = [\"proxy:0.0.0.0:9000\"]\n") ==
        "t.toml:3: http.public_listen: 'proxy:0.0.0.0:9000' takes PROXY headers over TCP: list "
        "the TLS front end's address in http.proxy_trusted_peers (else any peer could claim any "
        "client address)");
  CHECK(Error("[http]\nlisten = \"proxy:127.0.0.1:9000\"\n").starts_with("t.toml:2: http.listen: "));
  CHECK(Error("[http]\npublic_listen = [\"127.0.0.1:8000\"]\n") ==
        "t.toml:2: http.public_listen: '127.0.0.1:8000' is also in http.listen (one role per "
        "listener)");
  CHECK(Error("[http]\nproxy_trusted_peers = [\"10.0.0.1/8\"]\n").starts_with(
      "t.toml:2: http.proxy_trusted_peers: "));
  CHECK(Error("[http]\nallowed_hosts = [\"a.example:80\"]\n") ==
        "t.toml:2: http.allowed_hosts: 'a.example:80' is not a host name or address (without a "
        "port)");
  CHECK(Error("[http]\nallowed_hosts = [\"*.example\"]\n").starts_with("t.toml:2: "));
  CHECK(Error("[http]\nipv6_prefix = 8\n") == "t.toml:2: http.ipv6_prefix: 8 is out of range [16, 128]");
}

TEST_CASE("a rate limit needs a burst that holds the largest request") {
  CHECK(Parse("[limits]\nclient_rate_limit = 100\n").limits.client_rate_limit == 100);
  CHECK(Error("[limits]\nclient_rate_limit = 100\n\nclient_burst = 4096\n") ==
        "t.toml:4: limits.client_burst: 4096 is below the largest single request (1048576 random "
        "bytes); raise it or lower limits.max_total_bits, max_testdata_bits or pollen.bytes");
  Config c = Parse("[limits]\nclient_rate_limit = 100\nclient_burst = 4096\nmax_total_bits = 8192\n"
                   "max_testdata_bits = 32768\n");
  CHECK(LargestRequestBytes(c) == 4096);
  CHECK(Parse("[limits]\nclient_burst = 1\n").limits.client_burst == 1);  // no limit: not checked
}

TEST_CASE("the status view's keys and the JavaScript directory") {
  Config d = Parse("");
  CHECK(d.http.javascript_dir == "/usr/share/javascript");
  CHECK(d.status.max_streams == 32);
  CHECK(d.status.max_streams_per_address == 4);
  CHECK(d.status.poll_interval == std::chrono::milliseconds(500));
  CHECK(d.status.rate_interval == std::chrono::milliseconds(10000));
  CHECK(d.status.rate_day_interval == std::chrono::milliseconds(300000));
  CHECK(d.status.sample_bytes == 4096);
  CHECK(d.status.sample_interval == std::chrono::seconds(60));
  Config c = Parse(
      "[http]\njavascript_dir = \"/opt/js/\"\n"
      "[status]\nmax_streams = 0\nmax_streams_per_address = 2\npoll_interval_ms = 250\n"
      "rate_interval_ms = 500\nrate_day_interval_ms = 2000\nsample_bytes = 0\n"
      "sample_interval_s = 5\n");
  CHECK(c.http.javascript_dir == "/opt/js/");
  CHECK(c.status.max_streams == 0);
  CHECK(c.status.max_streams_per_address == 2);
  CHECK(c.status.poll_interval == std::chrono::milliseconds(250));
  CHECK(c.status.rate_interval == std::chrono::milliseconds(500));
  CHECK(c.status.rate_day_interval == std::chrono::milliseconds(2000));
  CHECK(c.status.sample_bytes == 0);
  CHECK(c.status.sample_interval == std::chrono::seconds(5));
  CHECK(Error("[http]\njavascript_dir = \"js\"\n") ==
        "t.toml:2: http.javascript_dir: 'js' is not an absolute path");
  CHECK(Error("[http]\njavascript_dir = \"/usr/share/../../etc\"\n") ==
        "t.toml:2: http.javascript_dir: '/usr/share/../../etc' has a '..' component");
  CHECK(Error("[http]\njavascript_dir = \"/usr/./share\"\n") ==
        "t.toml:2: http.javascript_dir: '/usr/./share' has a '.' component");
  CHECK(Error("\n[status]\npoll_interval_ms = 10\n").starts_with("t.toml:3: status.poll_interval_ms: "));
  CHECK(Error("[status]\nsample_bytes = 65537\n").starts_with("t.toml:2: status.sample_bytes: "));
  CHECK(Error("[status]\nmax_streams_per_address = 0\n").starts_with("t.toml:2: "));
  CHECK(Error("[status]\nstreams = 1\n").starts_with("t.toml:2: "));
  CHECK(Error("[status]\nrate_interval_ms = 60000\nrate_day_interval_ms = 30000\n") ==
        "t.toml:3: status.rate_day_interval_ms: 30000 is shorter than status.rate_interval_ms "
        "(60000): the day chart's points are made from the hour chart's readings");
}

TEST_CASE("errors name the file, the line and the key") {
  CHECK(Error("[http]\n\nlisten = \"localhost:80\"\n").starts_with("t.toml:3: http.listen: "));
  CHECK(Error("[http]\nlisten = \"127.0.0.1:0\"\n").find("port must be") != std::string::npos);
  CHECK(Error("[egdd]\nconnections = 0\n") ==
        "t.toml:2: egdd.connections: 0 is out of range [1, 64]");
  CHECK(Error("[egdd]\nconnections = \"4\"\n") ==
        "t.toml:2: egdd.connections: expected an integer, got a string");
  CHECK(Error("[files]\ndir = \"relative\"\n") ==
        "t.toml:2: files.dir: 'relative' is not an absolute path");
  CHECK(Error("[nope]\n") == "t.toml:1: unknown table [nope]");
  CHECK(Error("[http]\nlisten_port = 1\n") == "t.toml:2: unknown key 'listen_port' in [http]");
  CHECK(Error("x = 1\n") == "t.toml:1: unknown key 'x' outside any table");
  CHECK(Error("[log]\nlevel = \"loud\"\n").find("'loud' is not one of error") != std::string::npos);
  CHECK(Error("[http\n").starts_with("t.toml:1: "));
}

TEST_CASE("a missing file is an error") {
  Config c;
  egd::Status st = LoadConfig("/nonexistent/x.toml", &c);
  CHECK(st.message().starts_with("/nonexistent/x.toml: cannot open"));
}

TEST_CASE("a directory given as the configuration file is an error naming it") {
  Config c;
  egd::Status st = LoadConfig("/tmp", &c);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "/tmp: cannot read: Is a directory");
}

TEST_CASE("restart-only keys: the listeners, client keys, egdd and the files directory") {
  CHECK(ConfigSchema().RestartOnlyKeys() ==
        std::vector<std::string>{"http.listen", "http.public_listen", "http.proxy_trusted_peers",
                                 "http.ipv4_prefix", "http.ipv6_prefix", "egdd.egd",
                                 "egdd.control", "egdd.connections", "files.dir"});
}

TEST_CASE("a reload keeps restart-only keys at their running values and names them") {
  Config running = Parse("");
  Config loaded = Parse(R"(
[http]
listen = "127.0.0.1:9000"
public_listen = ["proxy:127.0.0.1:9443"]
proxy_trusted_peers = ["10.0.0.1"]
ipv4_prefix = 24
ipv6_prefix = 56
max_clients = 7
[egdd]
egd = "127.0.0.1:8888"
control = "/tmp/control.sock"
connections = 9
random_timeout_ms = 500
[files]
dir = "/tmp/files"
max_files = 3
[limits]
max_quantity = 7
)");
  std::vector<std::string> kept;
  ConfigSchema().KeepRestartOnly(running, &loaded, &kept);
  CHECK(kept == ConfigSchema().RestartOnlyKeys());  // all of them changed
  CHECK(loaded.http.listen == running.http.listen);
  CHECK(loaded.http.public_listen.empty());
  CHECK(loaded.http.proxy_trusted_peers.empty());
  CHECK(loaded.http.client_key == running.http.client_key);
  CHECK(loaded.egdd.egd.text == running.egdd.egd.text);
  CHECK(loaded.egdd.control == running.egdd.control);
  CHECK(loaded.egdd.connections == running.egdd.connections);
  CHECK(loaded.files.dir == running.files.dir);
  // Live keys keep their new values.
  CHECK(loaded.http.max_clients == 7);
  CHECK(loaded.egdd.random_timeout == std::chrono::milliseconds(500));
  CHECK(loaded.files.max_files == 3);
  CHECK(loaded.limits.max_quantity == 7);
}

TEST_CASE("a reload applies [http] limits and timeouts, limits, pollen, retention, log level") {
  Config running = Parse("");
  Config loaded = Parse(R"(
[http]
allowed_hosts = ["trng.example"]
max_clients = 5
max_clients_per_address = 2
header_limit_bytes = 2048
body_limit_bytes = 100
idle_timeout_ms = 1000
request_timeout_ms = 700
write_timeout_ms = 900
[egdd]
random_timeout_ms = 500
control_timeout_ms = 600
[limits]
max_num_bits = 128
client_rate_limit = 1000
[files]
max_files = 3
max_age_s = 5
[pollen]
enabled = false
[log]
level = "debug"
)");
  Config next = loaded;
  std::vector<std::string> kept;
  ConfigSchema().KeepRestartOnly(running, &next, &kept);
  CHECK(kept.empty());
  CHECK(next.http.allowed_hosts == std::vector<std::string>{"trng.example"});
  CHECK(next.http.max_clients == 5);
  CHECK(next.http.PerAddressLimit() == 2);
  CHECK(next.http.header_limit == 2048);
  CHECK(next.http.body_limit == 100);
  CHECK(next.http.idle_timeout == std::chrono::milliseconds(1000));
  CHECK(next.http.request_timeout == std::chrono::milliseconds(700));
  CHECK(next.http.write_timeout == std::chrono::milliseconds(900));
  CHECK(next.egdd.random_timeout == std::chrono::milliseconds(500));
  CHECK(next.egdd.control_timeout == std::chrono::milliseconds(600));
  CHECK(next.limits.max_num_bits == 128);
  CHECK(next.limits.client_rate_limit == 1000);
  CHECK(next.files.max_files == 3);
  CHECK(next.files.max_age == std::chrono::seconds(5));
  CHECK_FALSE(next.pollen.enabled);
  CHECK(next.log.level == "debug");
}

}  // namespace
}  // namespace httpd
