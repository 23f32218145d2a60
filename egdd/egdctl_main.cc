// SPDX-License-Identifier: Apache-2.0
// egdctl: egdd's control client. Prints egdd's JSON reply; exits 0 when the
// command succeeded, 1 when egdd refused it (init/restart: or the device did
// not start; 3 still starting at the timeout), 2 on usage or connection
// errors. `capture` is egdctl_capture.h's.
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/control_client.h"
#include "egdd/egdctl_args.h"
#include "egdd/egdctl_capture.h"
#include "egdd/egdctl_wait.h"

int main(int argc, char** argv) {
  egdctl::Options o;
  if (egd::Status st = egdctl::ParseArgs(argc, argv, &o); !st.ok()) {
    std::cerr << "egdctl: " << st.message() << "\n" << egdctl::UsageText();
    return 2;
  }
  if (o.command == "capture") return egdctl::Capture(o, std::cout, std::cerr);
  std::string reply;
  std::string command = o.source.empty() ? o.command : o.command + " " + o.source;
  egd::Status st = egd::ControlRequest(o.socket, command, &reply);
  if (!st.ok()) {
    std::cerr << "egdctl: " << st.message() << "\n";
    return 2;
  }
  auto j = nlohmann::json::parse(reply, nullptr, false);
  bool failed = !j.is_object() || (j.contains("ok") && j["ok"] == false);
  if (!failed && o.wait && (o.command == "init" || o.command == "restart")) {
    return egdctl::WaitForRunning(o.socket, j, o.source, o.timeout, ::isatty(STDERR_FILENO), std::cout,
                                  std::cerr);
  }
  std::cout << (j.is_discarded() ? reply : j.dump(2)) << "\n";
  return failed ? 1 : 0;
}
