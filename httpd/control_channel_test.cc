// SPDX-License-Identifier: Apache-2.0
#include "httpd/control_channel.h"

#include <unistd.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

namespace httpd {
namespace {

namespace asio = boost::asio;
using asio::local::stream_protocol;

// An in-process stand-in for egdd's control socket: each connection's command
// line is answered with the next state of `states` (the last one repeats).
class FakeControl {
 public:
  FakeControl(asio::io_context& io, std::string path, std::deque<std::string> states)
      : path_(std::move(path)), acceptor_(io, stream_protocol::endpoint(path_)),
        states_(std::move(states)) {
    Accept();
  }
  ~FakeControl() { ::unlink(path_.c_str()); }
  int connections = 0;

 private:
  void Accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, stream_protocol::socket s) {
      if (ec) return;
      ++connections;
      auto sock = std::make_shared<stream_protocol::socket>(std::move(s));
      auto buf = std::make_shared<asio::streambuf>();
      std::string state = states_.front();
      if (states_.size() > 1) states_.pop_front();
      asio::async_read_until(*sock, *buf, '\n', [sock, buf, state](auto, size_t) {
        auto line = std::make_shared<std::string>("{\"state\":\"" + state + "\"}\n");
        asio::async_write(*sock, asio::buffer(*line), [sock, line](auto, size_t) {});
      });
      Accept();
    });
  }
  std::string path_;
  stream_protocol::acceptor acceptor_;
  std::deque<std::string> states_;
};

TEST_CASE("status cache: a refresh after Invalidate never gets a query that started before it") {
  asio::io_context io;
  char dir[] = "/tmp/httpd-control-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  std::string path = std::string(dir) + "/control.sock";
  {
    FakeControl egdd(io, path, {"standby", "running"});
    ControlChannel control(io, path, std::chrono::milliseconds(2000));
    StatusCache cache(control, std::chrono::milliseconds(0));
    std::vector<std::string> seen;
    // A status query is in flight (a rate sample, say) when an init is sent.
    auto note = [&](std::string what) {
      seen.push_back(std::move(what));
      if (seen.size() == 3) io.stop();
    };
    cache.Refresh([&](const DeviceStatus& s) { note("early " + s.state); });
    cache.Invalidate();  // the init went out: the state is changing
    cache.Refresh([&](const DeviceStatus& s) { note("after " + s.state); });
    cache.Refresh([&](const DeviceStatus& s) { note("after " + s.state); });
    io.run_for(std::chrono::seconds(5));
    CHECK(seen == std::vector<std::string>{"early standby", "after running", "after running"});
    CHECK(egdd.connections == 2);  // the two late callers shared one fresh query
  }
  ::rmdir(dir);
}

TEST_CASE("status cache: refreshes without an Invalidate share the query in flight") {
  asio::io_context io;
  char dir[] = "/tmp/httpd-control-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  std::string path = std::string(dir) + "/control.sock";
  {
    FakeControl egdd(io, path, {"running"});
    ControlChannel control(io, path, std::chrono::milliseconds(2000));
    StatusCache cache(control, std::chrono::milliseconds(0));
    int answers = 0;
    for (int i = 0; i < 3; ++i) {
      cache.Refresh([&](const DeviceStatus&) {
        if (++answers == 3) io.stop();
      });
    }
    io.run_for(std::chrono::seconds(5));
    CHECK(answers == 3);
    CHECK(egdd.connections == 1);
  }
  ::rmdir(dir);
}

}  // namespace
}  // namespace httpd
