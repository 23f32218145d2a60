// trng-httpd: the TRNG manual's HTTP API and web page, backed by egdd.
#include <csignal>
#include <cstring>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "common/log.h"
#include "httpd/app.h"
#include "httpd/config.h"
#include "httpd/http_server.h"

namespace {

int Usage() {
  std::cerr << "usage: trng-httpd --config FILE | --check-config FILE\n";
  return 2;
}

int Run(const httpd::Config& config) {
  boost::asio::io_context io(1);
  httpd::App app(io, config);
  httpd::HttpServer server(io, config.http, app);
  egd::Status st = app.Start();
  if (st.ok()) st = server.Listen();
  if (!st.ok()) {
    egd::Log(egd::LogLevel::kError, st.message());
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    egd::Log(egd::LogLevel::kNotice, "signal ", sig, ": stopping");
    server.Stop();
    app.Stop();
  });
  io.run();
  egd::Log(egd::LogLevel::kNotice, "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return Usage();
  bool check = std::strcmp(argv[1], "--check-config") == 0;
  if (!check && std::strcmp(argv[1], "--config") != 0) return Usage();
  httpd::Config config;
  egd::Status st = httpd::LoadConfig(argv[2], &config);
  if (!st.ok()) {
    std::cerr << st.message() << "\n";
    return 1;
  }
  if (check) {
    std::cout << argv[2] << ": OK\n";
    return 0;
  }
  egd::SetLogLevel(*egd::ParseLogLevel(config.log.level));
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return Run(config);
  } catch (const std::exception& e) {
    egd::Log(egd::LogLevel::kError, "fatal: ", e.what());
    return 1;
  }
}
