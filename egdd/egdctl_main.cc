// egdctl: egdd's control client. Prints egdd's JSON reply; exits 0 when the
// command succeeded, 1 when egdd refused it, 2 on usage or connection errors.
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/control_client.h"

namespace {

constexpr const char* kDefaultSocket = "/run/egdd/control.sock";

int Usage() {
  std::cerr << "usage: egdctl [--socket PATH] status|stats|init|shutdown|restart|assess\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket = kDefaultSocket;
  int i = 1;
  if (i + 1 < argc && std::strcmp(argv[i], "--socket") == 0) {
    socket = argv[i + 1];
    i += 2;
  }
  if (i + 1 != argc) return Usage();
  std::string command = argv[i];
  for (const char* known : {"status", "stats", "init", "shutdown", "restart", "assess"}) {
    if (command == known) {
      std::string reply;
      egd::Status st = egd::ControlRequest(socket, command, &reply);
      if (!st.ok()) {
        std::cerr << "egdctl: " << st.message() << "\n";
        return 2;
      }
      auto j = nlohmann::json::parse(reply, nullptr, false);
      std::cout << (j.is_discarded() ? reply : j.dump(2)) << "\n";
      bool failed = j.is_discarded() || (j.contains("ok") && j["ok"] == false);
      return failed ? 1 : 0;
    }
  }
  return Usage();
}
