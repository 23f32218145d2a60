// Blocking client for egdd's control socket (used by egdctl and trng-httpd):
// sends one command line, returns egdd's one-line JSON reply.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"

namespace egd {

Status ControlRequest(const std::string& socket_path, const std::string& command,
                      std::string* reply,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace egd
