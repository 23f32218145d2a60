// SPDX-License-Identifier: Apache-2.0
// egdctl's command line, parsed without touching anything: options may stand
// before or after the command; each is refused with a message naming it when
// the command does not take it. Also the pure choice of the EGD socket that
// `capture` reads when --egd is not given.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace egdctl {

constexpr const char* kDefaultControlSocket = "/run/egdd/control.sock";
constexpr const char* kDefaultEgdSocket = "unix:/run/egdd/egd.sock";
// The largest capture: 1 GiB, some 500 times what any egd-eval procedure reads.
constexpr uint64_t kMaxCaptureBytes = uint64_t{1} << 30;

struct Options {
  std::string socket = kDefaultControlSocket;  // egdd's control socket
  std::string command;  // status|stats|init|shutdown|restart|assess|capture
  std::string source;   // init|shutdown|restart|assess NAME: one source ("" = all)
  bool wait = true;     // init/restart: wait until running or failed (--no-wait: false)
  std::chrono::milliseconds timeout{30000};  // init/restart: --timeout SECONDS
  uint64_t capture_bytes = 0;                // capture N (1..kMaxCaptureBytes)
  std::string capture_file;                  // capture FILE
  std::string egd;     // capture --egd ADDRESS, already validated; "" = ask egdd
  bool force = false;  // capture --force: replace an existing FILE
};

// Parses argv[1..argc-1]. Errors are one line naming the offending argument.
egd::Status ParseArgs(int argc, const char* const* argv, Options* out);

std::string UsageText();

// The address capture reads by default, given `stats` → `listen` (listen
// addresses as egdd's configuration writes them): the first plain unix
// listener, else the first plain TCP one, else kDefaultEgdSocket. PROXY
// listeners are skipped: they expect a header that only stunnel sends.
std::string DefaultEgdAddress(const std::vector<std::string>& listen);

}  // namespace egdctl
