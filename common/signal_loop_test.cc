// SPDX-License-Identifier: Apache-2.0
#include "common/signal_loop.h"

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

namespace egd {
namespace {

TEST_CASE("SIGHUP reloads and keeps waiting; SIGTERM stops once and ends the loop") {
  boost::asio::io_context io;
  int reloads = 0, stops = 0;
  SignalLoop loop(io, [&] { ++reloads; }, [&] { ++stops; });
  std::raise(SIGHUP);
  std::raise(SIGHUP);
  io.run_for(std::chrono::milliseconds(200));
  CHECK(reloads == 2);
  CHECK(stops == 0);
  std::raise(SIGTERM);
  io.restart();
  io.run();  // returns: the loop has ended, nothing else is pending
  CHECK(stops == 1);
  CHECK(reloads == 2);
}

TEST_CASE("Cancel ends the loop without stop()") {
  boost::asio::io_context io;
  int stops = 0;
  SignalLoop loop(io, [] {}, [&] { ++stops; });
  loop.Cancel();
  io.run();
  CHECK(stops == 0);
}

}  // namespace
}  // namespace egd
