// egdd: serves health-tested entropy over the EGD protocol.
#include <boost/asio/io_context.hpp>
#include <cstring>
#include <iostream>

#include "common/log.h"
#include "egdd/daemon.h"

namespace {

int Usage() {
  std::cerr << "usage: egdd --config FILE | --check-config FILE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return Usage();
  bool check = std::strcmp(argv[1], "--check-config") == 0;
  if (!check && std::strcmp(argv[1], "--config") != 0) return Usage();
  egdd::Config config;
  egd::Status st = egdd::LoadConfig(argv[2], &config);
  if (!st.ok()) {
    std::cerr << st.message() << "\n";
    return 1;
  }
  if (check) {
    std::cout << argv[2] << ": OK\n";
    return 0;
  }
  try {
    boost::asio::io_context io(1);
    egdd::Daemon daemon(io, config);
    st = daemon.Start();
    if (!st.ok()) {
      egd::Log(egd::LogLevel::kError, st.message());
      return 1;
    }
    io.run();
    egd::Log(egd::LogLevel::kNotice, "stopped");
    return 0;
  } catch (const std::exception& e) {
    egd::Log(egd::LogLevel::kError, "fatal: ", e.what());
    return 1;
  }
}
