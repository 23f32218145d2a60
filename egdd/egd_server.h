// EgdServer: the EGD listeners (TCP and unix, from [egd] listen) and the
// registry of client sessions. Listen() may be called again on reload: it
// opens new addresses, closes removed ones and leaves existing ones — and every
// client connection — untouched. Single-threaded (io_context thread).
//
// Admission, in order: max_clients (at accept); on a TCP proxy listener, the
// peer must be in proxy_trusted_peers (at accept); max_clients_per_address
// per client key (at accept, or once the PROXY header named the client).
// Every refusal closes the connection, is counted (EgdStats, per key in
// ToJsonByAddress) and logged without flooding (RefusalLog). Settings applied
// on reload hold for new connections; a connection keeps its key.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/listener.h"
#include "common/status.h"
#include "egdd/config.h"
#include "egdd/egd_session.h"
#include "common/refusal_log.h"

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
  // clients_by_address for egdctl stats: the client table, each key with the
  // connections refused under max_clients_per_address ("rejected").
  nlohmann::json ClientsJson() const;

 private:
  struct Listener;
  egd::Status Open(const ListenAddress& address, unsigned unix_mode);
  void Accept(const std::shared_ptr<Listener>& listener);
  void OnAccept(const std::shared_ptr<Listener>& listener, const boost::system::error_code& ec,
                EgdSession::Socket socket);
  void OnClosed(uint64_t id);
  bool Admit(const std::string& key, const std::string& peer);
  void RefuseUntrustedProxyPeer(const Listener& l, const egd::Peer& peer);
  void OnUnexpectedProxy(const std::string& address, const std::string& peer);
  void StartSession(const std::shared_ptr<Listener>& l, EgdSession::Socket socket,
                    const egd::Peer& peer, std::string key);

  boost::asio::io_context& io_;
  EgdSettings settings_;
  EgdStats stats_;
  egd::ClientTable clients_;
  egd::RefusalLog per_address_refusals_;  // by client key
  egd::RefusalLog proxy_refusals_;        // by peer address: untrusted or unexpected PROXY
  SessionContext ctx_;
  std::map<std::string, std::shared_ptr<Listener>> listeners_;  // by address text
  std::map<uint64_t, std::shared_ptr<EgdSession>> sessions_;
  uint64_t next_id_ = 1;
  size_t peak_sessions_ = 0;  // since the heap was last trimmed
};

}  // namespace egdd
