// ControlChannel: trng-sim's fault-injection socket (unix stream socket).
//
// Clients send text lines ("fan-stop\n"); each line is answered by one line
// from the handler, ending in '\n'. Any number of clients, each may send many
// lines. Everything is non-blocking and driven by Poll() from the simulator's
// loop, so a command takes effect between two device polls. The socket file is
// removed on destruction. Not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace trng::sim {

class ControlChannel {
 public:
  using Handler = std::function<std::string(const std::string& line)>;

  ControlChannel() = default;
  ControlChannel(const ControlChannel&) = delete;
  ControlChannel& operator=(const ControlChannel&) = delete;
  ~ControlChannel();

  bool Open(const std::string& path, std::string* error);
  // Waits up to timeout_ms for activity, then accepts clients and answers
  // every complete line.
  void Poll(int timeout_ms, const Handler& handler);

 private:
  struct Client {
    int fd;
    std::string in;
  };
  void Accept();
  bool Serve(Client& c, const Handler& handler);  // false: client gone

  int listen_fd_ = -1;
  std::string path_;
  std::vector<Client> clients_;
};

}  // namespace trng::sim
