// egdd: serves health-tested entropy over the EGD protocol.
#include <iostream>

#include <boost/asio/io_context.hpp>

#include "common/config_main.h"
#include "common/log.h"
#include "common/process_hardening.h"
#include "common/signal_loop.h"
#include "egdd/daemon.h"

int main(int argc, char** argv) {
  // Before anything holds entropy: no core dump, no ptrace by our own user.
  if (egd::Status st = egd::HardenProcess(); !st.ok()) {
    std::cerr << "egdd: " << st.message() << "\n";
    return 1;
  }
  return egd::ConfigMain<egdd::Config>(
      argc, argv, "usage: egdd --config FILE | --check-config FILE", egdd::LoadConfig,
      [](const egdd::Config& config) {
        boost::asio::io_context io(1);
        egdd::Daemon daemon(io, config, egdd::RealSources(io));
        // SIGHUP reloads, SIGTERM/SIGINT stop; queued until run() if they come early.
        egd::SignalLoop signals(io, [&] { daemon.Reload(); }, [&] { daemon.Terminate(); });
        egd::Status st = daemon.Start();
        if (!st.ok()) {
          egd::Log(egd::LogLevel::kError, st.message());
          return 1;
        }
        io.run();
        egd::Log(egd::LogLevel::kNotice, "stopped");
        return 0;
      });
}
