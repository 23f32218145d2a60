// trng-httpd: the TRNG manual's HTTP API and web page, backed by egdd.
#include <csignal>
#include <functional>
#include <iostream>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "common/config_main.h"
#include "common/log.h"
#include "common/process_hardening.h"
#include "httpd/app.h"
#include "httpd/config.h"
#include "httpd/http_server.h"
#include "httpd/reload.h"

namespace {

int Run(const httpd::Config& config) {
  httpd::Config live = config;  // the server and its sessions read live.http
  boost::asio::io_context io(1);
  httpd::App app(io, live);
  httpd::HttpServer server(io, live.http, app);
  egd::Status st = app.Start();
  if (st.ok()) st = server.Listen();
  if (!st.ok()) {
    egd::Log(egd::LogLevel::kError, st.message());
    return 1;
  }
  boost::asio::signal_set stop(io, SIGINT, SIGTERM);
  boost::asio::signal_set hup(io, SIGHUP);
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      httpd::Reload(&live, [&app](const httpd::Config& c) { app.Reconfigure(c); });
      wait_hup();
    });
  };
  wait_hup();
  stop.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    egd::Log(egd::LogLevel::kNotice, "signal ", sig, ": stopping");
    hup.cancel();
    server.Stop();
    app.Stop();
  });
  io.run();
  egd::Log(egd::LogLevel::kNotice, "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // First of all: the process will hold entropy (common/process_hardening.h).
  if (egd::Status st = egd::HardenProcess(); !st.ok()) {
    std::cerr << "trng-httpd: " << st.message() << "\n";
    return 1;
  }
  return egd::ConfigMain<httpd::Config>(
      argc, argv, "usage: trng-httpd --config FILE | --check-config FILE", httpd::LoadConfig,
      [](const httpd::Config& config) {
        egd::SetLogLevel(*egd::ParseLogLevel(config.log.level));
        std::signal(SIGPIPE, SIG_IGN);
        return Run(config);
      });
}
