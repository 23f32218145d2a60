// The command line shared by daemons configured by one file:
//   PROG --config FILE        load FILE, then run
//   PROG --check-config FILE  load FILE, print "FILE: OK" and exit 0
// A configuration error prints the loader's "file:line: message" and exits 1;
// any other command line prints the usage and exits 2. An exception escaping
// `run` is logged as fatal and exits 1, so `run` need not catch its own.
#pragma once

#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "common/log.h"
#include "common/status.h"

namespace egd {

// load: Status(const std::string& path, Config*); run: int(const Config&).
template <typename Config, typename Load, typename Run>
int ConfigMain(int argc, char** argv, const char* usage, Load load, Run run) {
  bool check = argc == 3 && std::strcmp(argv[1], "--check-config") == 0;
  if (argc != 3 || (!check && std::strcmp(argv[1], "--config") != 0)) {
    std::cerr << usage << "\n";
    return 2;
  }
  Config config;
  Status st = load(std::string(argv[2]), &config);
  if (!st.ok()) {
    std::cerr << st.message() << "\n";
    return 1;
  }
  if (check) {
    std::cout << argv[2] << ": OK\n";
    return 0;
  }
  try {
    return run(config);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "fatal: ", e.what());
    return 1;
  }
}

}  // namespace egd
