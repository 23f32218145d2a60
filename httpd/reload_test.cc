#include "httpd/reload.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

TEST_CASE("reload applies limits, timeouts and log level at once") {
  Config running, loaded;
  loaded.limits.max_num_bits = 128;
  loaded.egdd.random_timeout = std::chrono::milliseconds(500);
  loaded.http.idle_timeout = std::chrono::milliseconds(1000);
  loaded.log.level = "debug";
  loaded.pollen.enabled = false;
  loaded.files.max_files = 3;
  ReloadPlan p = PlanReload(running, loaded);
  CHECK(p.needs_restart.empty());
  CHECK(p.next.limits.max_num_bits == 128);
  CHECK(p.next.egdd.random_timeout == std::chrono::milliseconds(500));
  CHECK(p.next.http.idle_timeout == std::chrono::milliseconds(1000));
  CHECK(p.next.log.level == "debug");
  CHECK_FALSE(p.next.pollen.enabled);
  CHECK(p.next.files.max_files == 3);
}

TEST_CASE("sockets, connections and the files directory wait for a restart") {
  Config running, loaded;
  egd::ParseNetAddress("127.0.0.1:9000", false, &loaded.http.listen);
  egd::ParseNetAddress("unix:/run/egdd/egd.sock", true, &loaded.egdd.egd);
  loaded.egdd.control = "/tmp/control.sock";
  loaded.egdd.connections = 9;
  loaded.files.dir = "/tmp/files";
  loaded.limits.max_quantity = 7;
  ReloadPlan p = PlanReload(running, loaded);
  CHECK(p.needs_restart == std::vector<std::string>{"http.listen", "egdd.egd", "egdd.control",
                                                    "egdd.connections", "files.dir"});
  CHECK(p.next.http.listen.text == running.http.listen.text);
  CHECK(p.next.egdd.egd.text == running.egdd.egd.text);
  CHECK(p.next.egdd.control == running.egdd.control);
  CHECK(p.next.egdd.connections == running.egdd.connections);
  CHECK(p.next.files.dir == running.files.dir);
  CHECK(p.next.limits.max_quantity == 7);
}

}  // namespace
}  // namespace httpd
