// trng-httpd: the TRNG manual's HTTP API and web page, backed by egdd.
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/config_main.h"
#include "common/log.h"
#include "common/process_hardening.h"
#include "common/signal_loop.h"
#include "httpd/app.h"
#include "httpd/config.h"
#include "httpd/http_server.h"

namespace {

// SIGHUP. Prepare: load the file again (an error is logged with its file:line
// and changes nothing, log level included) and keep the restart-only keys at
// their running values (warned about). Commit: App takes the new configuration
// (the server and sessions read it from there) and the log level is set. With
// the listeners restart-only, nothing is bound, so nothing after the load can
// fail.
void Reload(httpd::App& app) {
  const httpd::Config& running = app.config();
  httpd::Config next;
  if (egd::Status st = httpd::LoadConfig(running.file, &next); !st.ok()) {
    egd::Log(egd::LogLevel::kError, "reload: ", st.message(), "; the running configuration stays");
    return;
  }
  std::vector<std::string> kept;
  httpd::ConfigSchema().KeepRestartOnly(running, &next, &kept);
  egd::LogRestartOnly(kept);
  app.Reconfigure(next);
  // Said at the old level: a reload to a quieter level is still confirmed.
  egd::Log(egd::LogLevel::kNotice, "reload: configuration ", next.file, " applied");
  egd::SetLogLevel(*egd::ParseLogLevel(next.log.level));
}

int Run(const httpd::Config& config) {
  boost::asio::io_context io(1);
  httpd::App app(io, config);
  httpd::HttpServer server(io, app);
  egd::Status st = app.Start();
  if (st.ok()) st = server.Listen();
  if (!st.ok()) {
    egd::Log(egd::LogLevel::kError, st.message());
    return 1;
  }
  egd::SignalLoop signals(io, [&app] { Reload(app); }, [&] {
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
