// EgdServer: the EGD listeners (TCP and unix, from [egd] listen) and the
// registry of client sessions. Single-threaded (io_context thread).
//
// Configuration is prepare-then-commit (a reload): Prepare binds every
// address not yet listened on, while the current listeners keep accepting;
// it fails, and changes nothing, if any cannot be bound. Commit then starts
// accepting on the new listeners, closes removed ones and applies the rest
// (limits, unix_mode to existing unix sockets, a proxy: prefix added to or
// removed from an address already listened on). Client connections are never
// touched. Each listener accepts through an egd::AcceptLoop (a pause after a
// failed accept, e.g. out of descriptors); its handler holds a weak_ptr to
// the listener and locks it first: a dropped listener's handlers find nothing.
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
#include <set>
#include <string>
#include <vector>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/listener.h"
#include "common/refusal_log.h"
#include "common/status.h"
#include "egdd/config.h"
#include "egdd/egd_session.h"

namespace egdd {

class EgdServer {
 public:
  EgdServer(boost::asio::io_context& io, Pool& pool, std::function<uint32_t()> entropy_bits);
  EgdServer(const EgdServer&) = delete;
  EgdServer& operator=(const EgdServer&) = delete;
  ~EgdServer();

  class Listener;
  // What Commit applies: built by Prepare, dropped unused if the reload fails
  // (which closes the sockets it bound).
  struct Next {
    EgdSettings settings;
    size_t client_rate = 0;
    size_t client_burst = 0;
    unsigned unix_mode = 0666;
    std::vector<ListenAddress> listen;
    std::vector<ListenAddress> internal_listen;  // egdd's own services (trng-httpd)
    std::vector<std::shared_ptr<Listener>> opened;  // bound and listening, not yet accepting
  };

  // `config` is the whole configuration: errors name its file and the line of
  // egd.listen ("file:line: egd.listen: cannot listen on ...").
  egd::Status Prepare(const Config& config, Next* next);
  egd::Status PrepareListener(const Config& config, const ListenAddress& a, bool internal,
                              Next* next);
  void Commit(Next next);
  void Stop();  // closes listeners and every session

  // EGD clients, not counting internal ones (connected to an internal_listen
  // address: trng-httpd), which internal_clients() counts.
  size_t clients() const { return sessions_.size() - internal_.size(); }
  size_t internal_clients() const { return internal_.size(); }
  std::vector<std::string> addresses() const;  // listened on, as configured
  const EgdStats& stats() const { return stats_; }
  const egd::ClientTable& client_table() const { return clients_; }
  // clients_by_address for egdctl stats: the client table, each key with the
  // connections refused under max_clients_per_address ("rejected").
  nlohmann::json ClientsJson() const;

 private:
  std::shared_ptr<Listener> Find(const ListenAddress& address) const;
  void OnAccept(Listener& listener, EgdSession::Socket socket);
  void OnClosed(uint64_t id);
  bool Admit(const std::string& key, const std::string& peer);
  void RefuseUntrustedProxyPeer(const Listener& l, const egd::Peer& peer);
  void OnUnexpectedProxy(const std::string& address, const std::string& peer);
  void StartSession(const Listener& l, EgdSession::Socket socket, const egd::Peer& peer,
                    std::string key);

  boost::asio::io_context& io_;
  EgdSettings settings_;
  EgdStats stats_;
  egd::ClientTable clients_;
  egd::RefusalLog per_address_refusals_;  // by client key
  egd::RefusalLog proxy_refusals_;        // by peer address: untrusted or unexpected PROXY
  SessionContext ctx_;
  std::vector<std::shared_ptr<Listener>> listeners_;  // one per socket (egd::SameSocket)
  std::map<uint64_t, std::shared_ptr<EgdSession>> sessions_;
  std::set<uint64_t> internal_;  // ids of sessions_ accepted on an internal listener
  uint64_t next_id_ = 1;
  size_t peak_sessions_ = 0;  // since the heap was last trimmed
};

}  // namespace egdd
