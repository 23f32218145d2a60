#include "httpd/http_server.h"

#include <boost/asio/ip/tcp.hpp>

#include "common/log.h"
#include "common/socket_file.h"

namespace httpd {

namespace asio = boost::asio;
using boost::system::error_code;
using egd::Log;
using egd::LogLevel;

namespace {
constexpr unsigned kUnixMode = 0660;  // the owner and its group: others cannot connect
}  // namespace

struct HttpServer::Listener {
  Listener(ListenAddress a, Role r) : address(std::move(a)), role(r) {}
  ~Listener() {
    if (accept) accept->Stop();
  }
  const ListenAddress address;
  const Role role;
  std::shared_ptr<egd::AcceptLoop> accept;
  egd::SocketFile file;  // unix: removed on Stop while it is still ours
};

HttpServer::HttpServer(asio::io_context& io, App& app)
    : io_(io), app_(app), sessions_(std::make_shared<SessionRegistry>()) {}

HttpServer::~HttpServer() { Stop(); }

egd::Status HttpServer::Listen() {
  const HttpConfig& config = app_.config().http;
  for (const egd::IpPrefix& p : config.proxy_trusted_peers) {
    if (p.CoversLoopback()) {
      Log(LogLevel::kWarning, "http.proxy_trusted_peers lists ", p.text,
          ": any local process can then claim any client address in a PROXY header; prefer a "
          "proxy:unix: listener");
    }
  }
  for (const auto& [list, role] : {std::pair{&config.listen, Role::kOperator},
                                   std::pair{&config.public_listen, Role::kPublic}}) {
    for (const ListenAddress& address : *list) {
      if (egd::Status st = Open(address, role); !st.ok()) {
        Stop();
        return st;
      }
    }
  }
  for (const auto& l : listeners_) l->accept->Start();
  return egd::Status::Ok();
}

egd::Status HttpServer::Open(const ListenAddress& address, Role role) {
  egd::StreamAcceptor acceptor(io_);
  if (egd::Status st = egd::OpenListener(address, kUnixMode, &acceptor); !st.ok()) return st;
  auto l = std::make_shared<Listener>(address, role);
  if (address.is_unix) l->file = egd::SocketFile(address.path);
  l->accept = egd::AcceptLoop::Create(
      std::move(acceptor), address.text,
      [this, weak = std::weak_ptr<Listener>(l)](egd::AcceptLoop::Socket socket) {
        if (auto self = weak.lock()) OnAccept(*self, std::move(socket));
      });
  listeners_.push_back(l);
  bool plain_tcp = !address.is_unix && !address.proxy;
  Log(LogLevel::kNotice, "listening on ", plain_tcp ? "http://" : "", address.text, " (",
      RoleName(role), " role", address.proxy ? ", PROXY headers" : "", ")");
  return egd::Status::Ok();
}

// Why a new connection is closed at once (a metrics reason), or nullptr.
const char* HttpServer::Refusal(const Listener& l, const egd::Peer& peer) const {
  const HttpConfig& config = app_.config().http;
  if (app_.metrics().clients() >= config.max_clients) return "max_clients";
  if (l.address.proxy && !l.address.is_unix &&
      !egd::TrustedProxyPeer(config.proxy_trusted_peers, peer.address)) {
    return "untrusted_proxy_peer";
  }
  return nullptr;
}

void HttpServer::OnAccept(const Listener& l, Session::Socket socket) {
  egd::Peer peer = egd::PeerOf(socket.native_handle(), l.address);
  if (const char* reason = Refusal(l, peer)) {
    app_.metrics().ConnectionRefused(reason);
    std::string key = std::string(reason) + " from " + peer.address;
    auto v = app_.refusals().Record(key, std::chrono::steady_clock::now());
    if (v.log) {
      Log(LogLevel::kNotice, "http client ", peer.name, " on ", l.address.text, " closed: ",
          reason, v.Note(key));
    }
    error_code ignored;
    socket.close(ignored);
    return;
  }
  error_code ignored;
  if (!l.address.is_unix) socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  uint64_t id = next_id_++;
  auto session = std::make_shared<Session>(std::move(socket), SessionContext{app_, sessions_},
                                           l.role, l.address.proxy, std::move(peer), id);
  (*sessions_)[id] = session;
  session->Start();
}

void HttpServer::Stop() {
  for (const auto& l : listeners_) {
    l->accept->Stop();
    l->file.Remove();
  }
  listeners_.clear();
  auto sessions = *sessions_;  // Close() may unregister
  for (auto& [id, weak] : sessions) {
    if (auto s = weak.lock()) s->Close();
  }
}

}  // namespace httpd
