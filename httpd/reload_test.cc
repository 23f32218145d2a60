#include "httpd/reload.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

ListenAddress Listen(const char* text) {
  ListenAddress a;
  REQUIRE(egd::ParseListenAddress(text, &a).ok());
  return a;
}

TEST_CASE("reload applies limits, allowed hosts, timeouts and log level at once") {
  Config running, loaded;
  loaded.limits.max_num_bits = 128;
  loaded.limits.client_rate_limit = 1000;
  loaded.http.allowed_hosts = {"trng.example"};
  loaded.http.max_clients_per_address = 2;
  loaded.egdd.random_timeout = std::chrono::milliseconds(500);
  loaded.http.idle_timeout = std::chrono::milliseconds(1000);
  loaded.log.level = "debug";
  loaded.pollen.enabled = false;
  loaded.files.max_files = 3;
  loaded.files.max_age = std::chrono::seconds(5);
  ReloadPlan p = PlanReload(running, loaded);
  CHECK(p.needs_restart.empty());
  CHECK(p.next.limits.max_num_bits == 128);
  CHECK(p.next.limits.client_rate_limit == 1000);
  CHECK(p.next.http.allowed_hosts == std::vector<std::string>{"trng.example"});
  CHECK(p.next.http.max_clients_per_address == 2);
  CHECK(p.next.egdd.random_timeout == std::chrono::milliseconds(500));
  CHECK(p.next.http.idle_timeout == std::chrono::milliseconds(1000));
  CHECK(p.next.log.level == "debug");
  CHECK_FALSE(p.next.pollen.enabled);
  CHECK(p.next.files.max_files == 3);
  CHECK(p.next.files.max_age == std::chrono::seconds(5));
}

TEST_CASE("listeners, client keys, egdd and the files directory wait for a restart") {
  Config running, loaded;
  loaded.http.listen = {Listen("127.0.0.1:9000")};
  loaded.http.public_listen = {Listen("proxy:unix:/run/x/public/http.sock")};
  egd::IpPrefix peer;
  REQUIRE(egd::ParseIpPrefix("10.0.0.1", &peer).ok());
  loaded.http.proxy_trusted_peers = {peer};
  loaded.http.client_key.ipv4_prefix = 24;
  loaded.http.client_key.ipv6_prefix = 56;
  egd::ParseNetAddress("127.0.0.1:8888", true, &loaded.egdd.egd);
  loaded.egdd.control = "/tmp/control.sock";
  loaded.egdd.connections = 9;
  loaded.files.dir = "/tmp/files";
  loaded.limits.max_quantity = 7;
  ReloadPlan p = PlanReload(running, loaded);
  CHECK(p.needs_restart ==
        std::vector<std::string>{"http.listen", "http.public_listen", "http.proxy_trusted_peers",
                                 "http.ipv4_prefix", "http.ipv6_prefix", "egdd.egd",
                                 "egdd.control", "egdd.connections", "files.dir"});
  CHECK(p.next.http.listen == running.http.listen);
  CHECK(p.next.http.public_listen.empty());
  CHECK(p.next.http.proxy_trusted_peers.empty());
  CHECK(p.next.http.client_key == running.http.client_key);
  CHECK(p.next.egdd.egd.text == running.egdd.egd.text);
  CHECK(p.next.egdd.control == running.egdd.control);
  CHECK(p.next.egdd.connections == running.egdd.connections);
  CHECK(p.next.files.dir == running.files.dir);
  CHECK(p.next.limits.max_quantity == 7);
}

}  // namespace
}  // namespace httpd
