#include "egdd/egd_server.h"

#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include <boost/asio/ip/tcp.hpp>

#include "common/log.h"
#include "common/socket_file.h"

namespace egdd {

using egd::Log;
using egd::LogLevel;
namespace asio = boost::asio;

// One listening socket. Its handlers hold a weak_ptr to it and lock it first;
// the server holds the only other reference, so a listener it dropped (removed
// by a reload, or the server gone) ignores whatever completes late.
class EgdServer::Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(EgdServer& server, ListenAddress a, bool internal)
      : server_(server), address_(std::move(a)), internal_(internal) {}
  ~Listener() {
    if (loop_) loop_->Stop();
    socket_file_.Remove();
  }

  // Binds and listens; Start() then accepts. Call on a shared_ptr.
  egd::Status Open(asio::io_context& io, unsigned unix_mode) {
    egd::StreamAcceptor acceptor(io);
    if (egd::Status st = egd::OpenListener(address_, unix_mode, &acceptor); !st.ok()) return st;
    if (address_.is_unix) socket_file_ = egd::SocketFile(address_.path);
    loop_ = egd::AcceptLoop::Create(std::move(acceptor), address_.text,
                                    [weak = weak_from_this()](egd::AcceptLoop::Socket socket) {
                                      if (auto self = weak.lock()) {
                                        self->server_.OnAccept(*self, std::move(socket));
                                      }
                                    });
    return egd::Status::Ok();
  }
  void Start() { loop_->Start(); }
  // A reload that keeps this socket: "proxy:" may have come or gone, and a
  // plain unix socket gets the new unix_mode.
  void Update(const ListenAddress& a, bool internal, unsigned unix_mode) {
    address_ = a;
    internal_ = internal;
    if (!a.is_unix) return;
    unsigned mode = a.proxy ? 0660 : unix_mode;
    if (::chmod(a.path.c_str(), mode) != 0) {
      Log(LogLevel::kWarning, "cannot set the mode of ", a.path, ": ", egd::ErrnoText("chmod"));
    }
  }
  const ListenAddress& address() const { return address_; }
  bool internal() const { return internal_; }

 private:
  EgdServer& server_;  // owns this listener
  ListenAddress address_;
  bool internal_;  // an egd.internal_listen address
  std::shared_ptr<egd::AcceptLoop> loop_;  // backs off when accept fails (e.g. out of fds)
  egd::SocketFile socket_file_;                 // unix: removed on close while it is still ours
};

namespace {

EgdSettings SettingsFrom(const EgdConfig& c) {
  EgdSettings s;
  s.max_clients = c.max_clients;
  s.max_clients_per_address = EffectiveMaxClientsPerAddress(c);
  s.key_policy = {c.ipv4_prefix, c.ipv6_prefix};
  s.proxy_trusted_peers = c.proxy_trusted_peers;
  s.command_timeout = c.command_timeout;
  s.max_pending_output = c.max_pending_output;
  return s;
}

}  // namespace

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
  internal_.erase(id);
  if (peak_sessions_ >= kTrimPeak && sessions_.size() <= peak_sessions_ / 4) {
    ::malloc_trim(0);
    peak_sessions_ = sessions_.size();
  }
}

EgdServer::~EgdServer() { Stop(); }

std::shared_ptr<EgdServer::Listener> EgdServer::Find(const ListenAddress& address) const {
  for (const auto& l : listeners_) {
    if (egd::SameSocket(l->address(), address)) return l;
  }
  return nullptr;
}

egd::Status EgdServer::Prepare(const Config& config, Next* next) {
  const EgdConfig& c = config.egd;
  next->settings = SettingsFrom(c);
  next->client_rate = c.client_rate_limit;
  next->client_burst = c.client_burst;
  ParseMode(c.unix_mode, &next->unix_mode);
  next->listen = c.listen;
  next->internal_listen = c.internal_listen;
  for (const ListenAddress& a : c.listen) {
    if (egd::Status st = PrepareListener(config, a, false, next); !st.ok()) return st;
  }
  for (const ListenAddress& a : c.internal_listen) {
    if (egd::Status st = PrepareListener(config, a, true, next); !st.ok()) return st;
  }
  return egd::Status::Ok();
}

egd::Status EgdServer::PrepareListener(const Config& config, const ListenAddress& a,
                                       bool internal, Next* next) {
  const char* key = internal ? "egd.internal_listen" : "egd.listen";
  auto error = [&](const std::string& what) {
    return egd::Status::Error(AtKey(config, {key}, std::string(key) + ": " + what));
  };
  if (internal && std::any_of(next->listen.begin(), next->listen.end(),
                              [&](const ListenAddress& b) { return egd::SameSocket(a, b); })) {
    return error(a.text + " is also in egd.listen: an address is internal or not");
  }
  if (Find(a)) {
    // Kept; a proxy:unix socket's directory must still keep others out.
    if (!a.is_unix || !a.proxy) return egd::Status::Ok();
    if (egd::Status st = egd::CheckProxyDirectory(a.path); !st.ok()) {
      return error("cannot listen on " + a.text + ": " + st.message());
    }
    return egd::Status::Ok();
  }
  auto l = std::make_shared<Listener>(*this, a, internal);
  if (egd::Status st = l->Open(io_, next->unix_mode); !st.ok()) return error(st.message());
  next->opened.push_back(std::move(l));
  return egd::Status::Ok();
}

void EgdServer::Commit(Next next) {
  settings_ = std::move(next.settings);
  clients_.Configure(next.client_rate, next.client_burst);
  std::vector<std::shared_ptr<Listener>> kept;
  for (auto& l : listeners_) {
    auto same = [&](const ListenAddress& a) { return egd::SameSocket(a, l->address()); };
    auto it = std::find_if(next.listen.begin(), next.listen.end(), same);
    auto in = std::find_if(next.internal_listen.begin(), next.internal_listen.end(), same);
    if (it == next.listen.end() && in == next.internal_listen.end()) {
      Log(LogLevel::kInfo, "no longer listening on ", l->address().text);
      continue;  // dropped below: its socket closes, its handlers find nothing
    }
    bool internal = it == next.listen.end();
    l->Update(internal ? *in : *it, internal, next.unix_mode);
    kept.push_back(std::move(l));
  }
  for (auto& l : next.opened) {
    Log(LogLevel::kInfo, "listening for ", l->internal() ? "internal " : "", "EGD clients on ",
        l->address().text);
    l->Start();
    kept.push_back(std::move(l));
  }
  listeners_ = std::move(kept);
}

std::vector<std::string> EgdServer::addresses() const {
  std::vector<std::string> out;
  for (const auto& l : listeners_) out.push_back(l->address().text);
  return out;
}

void EgdServer::OnAccept(Listener& l, EgdSession::Socket socket) {
  egd::Peer p = egd::PeerOf(socket.native_handle(), l.address());
  std::string key = egd::ClientKey(p.address, settings_.key_policy);
  boost::system::error_code ignored;
  if (sessions_.size() >= settings_.max_clients) {
    ++stats_.rejected;
    Log(LogLevel::kNotice, "egd client ", p.name, " rejected: max_clients (", settings_.max_clients,
        ") reached");
    socket.close(ignored);
  } else if (l.address().proxy && !l.address().is_unix &&
             !egd::TrustedProxyPeer(settings_.proxy_trusted_peers, p.address)) {
    RefuseUntrustedProxyPeer(l, p);
    socket.close(ignored);
  } else if (!l.address().proxy && !Admit(key, p.name)) {
    socket.close(ignored);
  } else {
    StartSession(l, std::move(socket), p, std::move(key));
  }
}

void EgdServer::StartSession(const Listener& l, EgdSession::Socket socket, const egd::Peer& peer,
                             std::string key) {
  boost::system::error_code ignored;
  if (!l.address().is_unix) socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  // The kernel's send buffer grows to megabytes for a client that does not
  // read; bytes written there are lost to everyone else. Bound it like the
  // session's own queue (Linux doubles the value given).
  socket.set_option(asio::socket_base::send_buffer_size(
                        static_cast<int>(std::min<size_t>(settings_.max_pending_output, 1 << 20))),
                    ignored);
  ++stats_.connections;
  uint64_t id = next_id_++;
  auto session = std::make_shared<EgdSession>(std::move(socket), ctx_, id, peer.name, peer.address,
                                              std::move(key), l.address().proxy);
  sessions_[id] = session;
  if (l.internal()) internal_.insert(id);  // counted apart; a reload keeps what it was
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
    Log(LogLevel::kWarning, "egd connection from ", peer.name, " to ", l.address().text,
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
  listeners_.clear();
  auto sessions = sessions_;  // Close() unregisters
  for (auto& [id, s] : sessions) s->Close();
}

}  // namespace egdd
