// trng-httpd: the TRNG manual's HTTP API and web page, backed by egdd.
#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "common/config_main.h"
#include "common/log.h"
#include "httpd/app.h"
#include "httpd/config.h"
#include "httpd/http_server.h"

namespace {

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
  return egd::ConfigMain<httpd::Config>(
      argc, argv, "usage: trng-httpd --config FILE | --check-config FILE", httpd::LoadConfig,
      [](const httpd::Config& config) {
        egd::SetLogLevel(*egd::ParseLogLevel(config.log.level));
        std::signal(SIGPIPE, SIG_IGN);
        return Run(config);
      });
}
