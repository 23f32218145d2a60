#include "httpd/http_server.h"

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/log.h"

namespace httpd {

namespace asio = boost::asio;
using boost::system::error_code;
using egd::Log;
using egd::LogLevel;

namespace {
constexpr unsigned kUnixMode = 0660;  // the owner and its group: others cannot connect
constexpr auto kAcceptRetry = std::chrono::milliseconds(200);
}  // namespace

struct HttpServer::Listener {
  Listener(asio::io_context& io, ListenAddress a, Role r)
      : address(std::move(a)), role(r), acceptor(io), retry(io) {}
  ListenAddress address;
  Role role;
  egd::StreamAcceptor acceptor;
  asio::steady_timer retry;  // backs off when accept fails (e.g. out of fds)
  bool closed = false;
};

HttpServer::HttpServer(asio::io_context& io, const HttpConfig& config, App& app)
    : io_(io), config_(config), app_(app), sessions_(std::make_shared<SessionRegistry>()) {}

HttpServer::~HttpServer() { Stop(); }

egd::Status HttpServer::Listen() {
  for (const egd::IpPrefix& p : config_.proxy_trusted_peers) {
    bool loopback = egd::IsLoopbackAddress(p.text.substr(0, p.text.find('/'))) ||
                    p.Contains("127.0.0.1") || p.Contains("::1");
    if (loopback) {
      Log(LogLevel::kWarning, "http.proxy_trusted_peers lists ", p.text,
          ": any local process can then claim any client address in a PROXY header; prefer a "
          "proxy:unix: listener");
    }
  }
  for (const auto& [list, role] : {std::pair{&config_.listen, Role::kOperator},
                                   std::pair{&config_.public_listen, Role::kPublic}}) {
    for (const ListenAddress& address : *list) {
      if (egd::Status st = Open(address, role); !st.ok()) {
        Stop();
        return st;
      }
    }
  }
  return egd::Status::Ok();
}

egd::Status HttpServer::Open(const ListenAddress& address, Role role) {
  auto l = std::make_shared<Listener>(io_, address, role);
  if (egd::Status st = egd::OpenListener(address, kUnixMode, &l->acceptor); !st.ok()) return st;
  bool plain_tcp = !address.is_unix && !address.proxy;
  Log(LogLevel::kNotice, "listening on ", plain_tcp ? "http://" : "", address.text, " (",
      RoleName(role), " role", address.proxy ? ", PROXY headers" : "", ")");
  listeners_.push_back(l);
  Accept(l);
  return egd::Status::Ok();
}

void HttpServer::Accept(const std::shared_ptr<Listener>& l) {
  l->acceptor.async_accept([this, l](const error_code& ec, Session::Socket socket) {
    OnAccept(l, ec, std::move(socket));
  });
}

// Why a new connection is closed at once (a metrics reason), or nullptr.
const char* HttpServer::Refusal(const Listener& l, const egd::Peer& peer) const {
  if (app_.metrics().clients() >= config_.max_clients) return "max_clients";
  if (l.address.proxy && !l.address.is_unix &&
      !egd::TrustedProxyPeer(config_.proxy_trusted_peers, peer.address)) {
    return "untrusted_proxy_peer";
  }
  return nullptr;
}

void HttpServer::OnAccept(const std::shared_ptr<Listener>& l, const error_code& ec,
                          Session::Socket socket) {
  if (l->closed || ec == asio::error::operation_aborted) return;
  if (ec) {
    Log(LogLevel::kWarning, "accept on ", l->address.text, ": ", ec.message());  // e.g. EMFILE
    l->retry.expires_after(kAcceptRetry);
    l->retry.async_wait([this, l](const error_code& e) {
      if (!e && !l->closed) Accept(l);
    });
    return;
  }
  egd::Peer peer = egd::PeerOf(socket.native_handle(), l->address);
  if (const char* reason = Refusal(*l, peer)) {
    app_.metrics().ConnectionRefused(reason);
    std::string key = std::string(reason) + " from " + peer.address;
    auto v = app_.refusals().Record(key, std::chrono::steady_clock::now());
    if (v.log) {
      Log(LogLevel::kNotice, "http client ", peer.name, " on ", l->address.text, " closed: ",
          reason, v.Note(key));
    }
    error_code ignored;
    socket.close(ignored);
  } else {
    error_code ignored;
    if (!l->address.is_unix) socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    uint64_t id = next_id_++;
    auto session = std::make_shared<Session>(std::move(socket), SessionContext{config_, app_, sessions_},
                                             l->role, l->address.proxy, std::move(peer), id);
    (*sessions_)[id] = session;
    session->Start();
  }
  Accept(l);
}

void HttpServer::Stop() {
  for (const auto& l : listeners_) {
    l->closed = true;
    error_code ignored;
    l->acceptor.close(ignored);
    l->retry.cancel();
    if (l->address.is_unix) ::unlink(l->address.path.c_str());
  }
  listeners_.clear();
  auto sessions = *sessions_;  // Close() may unregister
  for (auto& [id, weak] : sessions) {
    if (auto s = weak.lock()) s->Close();
  }
}

}  // namespace httpd
