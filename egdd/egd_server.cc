#include "egdd/egd_server.h"

#include <malloc.h>
#include <unistd.h>

#include <set>

#include <boost/asio/ip/tcp.hpp>

#include "common/log.h"

namespace egdd {

using egd::Log;
using egd::LogLevel;
namespace asio = boost::asio;

struct EgdServer::Listener {
  Listener(asio::io_context& io, ListenAddress a) : address(std::move(a)), acceptor(io), retry(io) {}
  ListenAddress address;
  egd::StreamAcceptor acceptor;
  asio::steady_timer retry;  // backs off when accept fails (e.g. out of fds)
  bool closed = false;
  uint64_t failures = 0;     // accept failures in a row
  std::chrono::steady_clock::time_point warned{};
};

EgdServer::EgdServer(asio::io_context& io, Pool& pool, std::function<uint32_t()> entropy_bits)
    : io_(io) {
  ctx_.pool = &pool;
  ctx_.stats = &stats_;
  ctx_.clients = &clients_;
  ctx_.settings = &settings_;
  ctx_.entropy_bits = std::move(entropy_bits);
  ctx_.on_closed = [this](uint64_t id) { OnClosed(id); };
  ctx_.admit = [this](const std::string& key, const std::string& peer) { return Admit(key, peer); };
  ctx_.unexpected_proxy = [this](const std::string& address, const std::string& peer) {
    OnUnexpectedProxy(address, peer);
  };
}

// glibc keeps the memory of closed sessions for reuse, so after a burst of
// thousands of connections egdd would stay at its peak size. Once most of
// them are gone, give it back; not on every close (malloc_trim walks the heap).
void EgdServer::OnClosed(uint64_t id) {
  constexpr size_t kTrimPeak = 1024;
  sessions_.erase(id);
  if (peak_sessions_ >= kTrimPeak && sessions_.size() <= peak_sessions_ / 4) {
    ::malloc_trim(0);
    peak_sessions_ = sessions_.size();
  }
}

EgdServer::~EgdServer() { Stop(); }

egd::Status EgdServer::Listen(const std::vector<ListenAddress>& addresses, unsigned unix_mode) {
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    bool keep = std::find(addresses.begin(), addresses.end(), it->second->address) !=
                addresses.end();
    if (keep) {
      ++it;
      continue;
    }
    Log(LogLevel::kInfo, "no longer listening on ", it->first);
    it->second->closed = true;
    boost::system::error_code ignored;
    it->second->acceptor.close(ignored);
    it->second->retry.cancel();
    if (it->second->address.is_unix) ::unlink(it->second->address.path.c_str());
    it = listeners_.erase(it);
  }
  for (const auto& a : addresses) {
    if (listeners_.count(a.text)) continue;
    egd::Status st = Open(a, unix_mode);
    if (!st.ok()) return st;
  }
  return egd::Status::Ok();
}

egd::Status EgdServer::Open(const ListenAddress& address, unsigned unix_mode) {
  auto l = std::make_shared<Listener>(io_, address);
  egd::Status st = egd::OpenListener(address, unix_mode, &l->acceptor);
  if (!st.ok()) return st;
  Log(LogLevel::kInfo, "listening for EGD clients on ", address.text);
  listeners_[address.text] = l;
  Accept(l);
  return egd::Status::Ok();
}

void EgdServer::Accept(const std::shared_ptr<Listener>& l) {
  l->acceptor.async_accept([this, l](const boost::system::error_code& ec,
                                     EgdSession::Socket socket) {
    OnAccept(l, ec, std::move(socket));
  });
}

void EgdServer::OnAccept(const std::shared_ptr<Listener>& l, const boost::system::error_code& ec,
                         EgdSession::Socket socket) {
  if (l->closed || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Typically EMFILE: keep existing clients served and try again shortly,
    // saying so once a minute rather than at every retry.
    auto now = std::chrono::steady_clock::now();
    if (l->failures++ == 0 || now - l->warned >= std::chrono::minutes(1)) {
      Log(LogLevel::kWarning, "accept on ", l->address.text, ": ", ec.message(), " (",
          l->failures, " in a row; new clients wait, connected ones are served)");
      l->warned = now;
    }
    l->retry.expires_after(std::chrono::milliseconds(200));
    l->retry.async_wait([this, l](const boost::system::error_code& e) {
      if (!e && !l->closed) Accept(l);
    });
    return;
  }
  if (l->failures > 0) {
    Log(LogLevel::kNotice, "accept on ", l->address.text, " works again after ", l->failures,
        " failures");
    l->failures = 0;
  }
  egd::Peer p = egd::PeerOf(socket.native_handle(), l->address);
  std::string key = egd::ClientKey(p.address, settings_.key_policy);
  boost::system::error_code ignored;
  if (sessions_.size() >= settings_.max_clients) {
    ++stats_.rejected;
    Log(LogLevel::kNotice, "egd client ", p.name, " rejected: max_clients (", settings_.max_clients,
        ") reached");
    socket.close(ignored);
  } else if (l->address.proxy && !l->address.is_unix &&
             !egd::TrustedProxyPeer(settings_.proxy_trusted_peers, p.address)) {
    RefuseUntrustedProxyPeer(*l, p);
    socket.close(ignored);
  } else if (!l->address.proxy && !Admit(key, p.name)) {
    socket.close(ignored);
  } else {
    StartSession(l, std::move(socket), p, std::move(key));
  }
  Accept(l);
}

void EgdServer::StartSession(const std::shared_ptr<Listener>& l, EgdSession::Socket socket,
                             const egd::Peer& peer, std::string key) {
  boost::system::error_code ignored;
  if (!l->address.is_unix) socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  // The kernel's send buffer grows to megabytes for a client that does not
  // read; bytes written there are lost to everyone else. Bound it like the
  // session's own queue (Linux doubles the value given).
  socket.set_option(asio::socket_base::send_buffer_size(
                        static_cast<int>(std::min<size_t>(settings_.max_pending_output, 1 << 20))),
                    ignored);
  ++stats_.connections;
  uint64_t id = next_id_++;
  auto session = std::make_shared<EgdSession>(std::move(socket), ctx_, id, peer.name, peer.address,
                                              std::move(key), l->address.proxy);
  sessions_[id] = session;
  peak_sessions_ = std::max(peak_sessions_, sessions_.size());
  Log(LogLevel::kDebug, "egd client ", peer.name, " connected");
  session->Start();
}

// max_clients_per_address: one address (or /64) must not take every slot.
bool EgdServer::Admit(const std::string& key, const std::string& peer) {
  size_t open = clients_.Connections(key);
  if (open < settings_.max_clients_per_address) return true;
  ++stats_.rejected_per_address;
  egd::RefusalLog::Verdict v = per_address_refusals_.Record(key, std::chrono::steady_clock::now());
  if (v.log) {
    Log(LogLevel::kNotice, "egd client ", peer, " rejected: ", open, " connections of ", key,
        " already open (max_clients_per_address = ", settings_.max_clients_per_address, ")",
        v.Note(key));
  }
  return false;
}

void EgdServer::RefuseUntrustedProxyPeer(const Listener& l, const egd::Peer& peer) {
  ++stats_.proxy_rejected;
  ++stats_.proxy_untrusted_peer;
  egd::RefusalLog::Verdict v = proxy_refusals_.Record(peer.address, std::chrono::steady_clock::now());
  if (v.log) {
    Log(LogLevel::kWarning, "egd connection from ", peer.name, " to ", l.address.text,
        " closed: ", peer.address, " is not in [egd] proxy_trusted_peers, so it may not name "
        "clients in a PROXY header", v.Note(peer.address));
  }
}

void EgdServer::OnUnexpectedProxy(const std::string& address, const std::string& peer) {
  ++stats_.proxy_rejected;
  ++stats_.proxy_header_unexpected;
  egd::RefusalLog::Verdict v = proxy_refusals_.Record(address, std::chrono::steady_clock::now());
  if (v.log) {
    Log(LogLevel::kWarning, "egd client ", peer, ": PROXY header on a listener that takes none "
        "(list it as proxy:... to accept one): closing", v.Note(address));
  }
}

nlohmann::json EgdServer::ClientsJson() const {
  nlohmann::json list = clients_.ToJson();
  std::set<std::string> listed;
  for (auto& entry : list) {
    std::string key = entry["address"].get<std::string>();
    entry["rejected"] = per_address_refusals_.Total(key);
    listed.insert(key);
  }
  for (const auto& [key, refusals] : per_address_refusals_.keys()) {
    if (listed.count(key)) continue;
    list.push_back({{"address", key}, {"connections", 0}, {"connections_total", 0},
                    {"bytes_served", 0}, {"rejected", refusals.total}});
  }
  return list;
}

void EgdServer::Stop() {
  Listen({}, 0);
  auto sessions = sessions_;  // Close() unregisters
  for (auto& [id, s] : sessions) s->Close();
}

}  // namespace egdd
