#include "httpd/config.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

std::string Error(const std::string& text) {
  Config c;
  egd::Status st = ParseConfig(text, "t.toml", &c);
  return st.ok() ? "" : st.message();
}

TEST_CASE("defaults: loopback, egdd on 127.0.0.1:8888, files on tmpfs") {
  Config c;
  REQUIRE(ParseConfig("", "t.toml", &c).ok());
  CHECK(c.http.listen.text == "127.0.0.1:8000");
  CHECK(c.http.listen.port == 8000);
  CHECK(c.egdd.egd.host == "127.0.0.1");
  CHECK(c.egdd.egd.port == 8888);
  CHECK(c.egdd.control == "/run/egdd/control.sock");
  CHECK(c.files.dir == "/run/trng-httpd");
  CHECK(c.egdd.init_timeout == std::chrono::milliseconds(60000));
}

TEST_CASE("the example file loads and states every default") {
  Config example, defaults;
  REQUIRE(LoadConfig(HTTPD_EXAMPLE_CONFIG, &example).ok());
  CHECK(example.http.listen.text == defaults.http.listen.text);
  CHECK(example.http.max_clients == defaults.http.max_clients);
  CHECK(example.egdd.connections == defaults.egdd.connections);
  CHECK(example.egdd.random_timeout == defaults.egdd.random_timeout);
  CHECK(example.limits.max_testdata_bits == defaults.limits.max_testdata_bits);
  CHECK(example.files.max_age == defaults.files.max_age);
  CHECK(example.pollen.bytes == defaults.pollen.bytes);
}

TEST_CASE("keys are applied") {
  Config c;
  REQUIRE(ParseConfig("[http]\nlisten = \"[::1]:9000\"\n[egdd]\negd = \"unix:/tmp/egd.sock\"\n"
                      "random_timeout_ms = 500\n[files]\ndir = \"/tmp/x\"\n[pollen]\nenabled = false\n",
                      "t.toml", &c).ok());
  CHECK(c.http.listen.host == "::1");
  CHECK(c.http.listen.port == 9000);
  CHECK(c.egdd.egd.is_unix);
  CHECK(c.egdd.egd.path == "/tmp/egd.sock");
  CHECK(c.egdd.random_timeout == std::chrono::milliseconds(500));
  CHECK(c.files.dir == "/tmp/x");
  CHECK_FALSE(c.pollen.enabled);
}

TEST_CASE("errors name the file, the line and the key") {
  CHECK(Error("[http]\n\nlisten = \"localhost:80\"\n").starts_with("t.toml:3: http.listen: "));
  CHECK(Error("[http]\nlisten = \"unix:/x\"\n") == "t.toml:2: http.listen: 'unix:/x': expected HOST:PORT (no unix sockets here)");
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

}  // namespace
}  // namespace httpd
