// EgdServer: the EGD listeners (TCP and unix, from [egd] listen) and the
// registry of client sessions. Listen() may be called again on reload: it
// opens new addresses, closes removed ones and leaves existing ones — and every
// client connection — untouched. Single-threaded (io_context thread).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/status.h"
#include "egdd/config.h"
#include "egdd/egd_session.h"

namespace egdd {

class EgdServer {
 public:
  EgdServer(boost::asio::io_context& io, Pool& pool, std::function<uint32_t()> entropy_bits);
  ~EgdServer();

  // Makes the set of listeners equal to `addresses`. On error, listeners that
  // were opened stay open and the message names the failing address.
  egd::Status Listen(const std::vector<ListenAddress>& addresses, unsigned unix_mode);
  void Apply(const EgdSettings& settings, size_t client_rate, size_t client_burst) {
    settings_ = settings;
    clients_.Configure(client_rate, client_burst);
  }
  void Stop();  // closes listeners and every session

  size_t clients() const { return sessions_.size(); }
  const EgdStats& stats() const { return stats_; }
  const egd::ClientTable& client_table() const { return clients_; }

 private:
  struct Listener;
  egd::Status Open(const ListenAddress& address, unsigned unix_mode);
  void Accept(const std::shared_ptr<Listener>& listener);
  void OnAccept(const std::shared_ptr<Listener>& listener, const boost::system::error_code& ec,
                EgdSession::Socket socket);
  void OnClosed(uint64_t id);

  boost::asio::io_context& io_;
  EgdSettings settings_;
  EgdStats stats_;
  egd::ClientTable clients_;
  SessionContext ctx_;
  std::map<std::string, std::shared_ptr<Listener>> listeners_;  // by address text
  std::map<uint64_t, std::shared_ptr<EgdSession>> sessions_;
  uint64_t next_id_ = 1;
  size_t peak_sessions_ = 0;  // since the heap was last trimmed
};

}  // namespace egdd
