#include "httpd/http_server.h"

#include <optional>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/log.h"

namespace httpd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using egd::Log;
using egd::LogLevel;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::ip::tcp::socket socket, const HttpConfig& config, App& app,
          std::shared_ptr<HttpServer::Registry> registry, uint64_t id)
      : stream_(std::move(socket)), config_(config), app_(app), registry_(std::move(registry)),
        id_(id) {
    error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? "?" : remote.address().to_string();
    app_.metrics().ClientOpened();
  }
  // May run after the server is gone (a session can wait in App's queues), so
  // it touches only App, which outlives the server, and the shared registry.
  ~Session() {
    app_.metrics().ClientClosed();
    registry_->erase(id_);
  }

  void Start() { DoReadHeader(); }

  void Close() {
    closed_ = true;
    error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void DoReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(config_.header_limit));
    parser_->body_limit(config_.body_limit);
    stream_.expires_after(config_.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](const error_code& ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(const error_code& ec) {
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return OnRead({});  // no body (every GET): skip a read and a timer
    stream_.expires_after(config_.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const error_code& e, size_t) { self->OnRead(e); });
  }

  void OnReadError(const error_code& ec) {
    if (ec == http::error::header_limit) return SendError(431, "request headers too large");
    if (ec == http::error::body_limit) return SendError(413, "request body too large");
    if (ec.category() == make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      return SendError(400, "malformed HTTP request: " + ec.message());
    }
    if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted) {
      Log(LogLevel::kDebug, "http ", peer_, ": ", ec.message());
    }
    Close();
  }

  void SendError(unsigned status, const std::string& message) {
    keep_alive_ = false;
    Send(JsonResponse(status, message));
  }

  void OnRead(const error_code& ec) {
    if (ec) return OnReadError(ec);
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    Request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.cookie = std::string(req[http::field::cookie]);
    r.body = req.body();
    r.peer = peer_;
    stream_.expires_never();  // App has its own timeouts
    app_.Handle(r, [self = shared_from_this()](Response response) {
      self->Send(std::move(response));
    });
  }

  void Send(Response r) {
    if (closed_) return;
    res_ = {};
    res_.version(11);
    res_.result(r.status);
    res_.reason(ReasonPhrase(r.status));
    res_.set(http::field::server, "trng-httpd");
    res_.set(http::field::content_type, r.content_type);
    res_.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : r.headers) res_.insert(name, value);
    res_.body() = std::move(r.body);
    res_.keep_alive(keep_alive_);
    res_.prepare_payload();
    stream_.expires_after(config_.write_timeout);
    http::async_write(stream_, res_, [self = shared_from_this()](const error_code& ec, size_t) {
      self->OnWrite(ec);
    });
  }

  void OnWrite(const error_code& ec) {
    res_.body().clear();
    if (ec || !keep_alive_ || closed_) return Close();
    DoReadHeader();
  }

  beast::tcp_stream stream_;
  const HttpConfig& config_;
  App& app_;
  std::shared_ptr<HttpServer::Registry> registry_;
  const uint64_t id_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool keep_alive_ = false;
  bool closed_ = false;
};

HttpServer::HttpServer(asio::io_context& io, const HttpConfig& config, App& app)
    : config_(config), app_(app), acceptor_(io), sessions_(std::make_shared<Registry>()) {}

egd::Status HttpServer::Listen() {
  error_code ec;
  asio::ip::address address = asio::ip::make_address(config_.listen.host, ec);
  asio::ip::tcp::endpoint endpoint(address, config_.listen.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return egd::Status::Error("cannot listen on " + config_.listen.text + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();
  Log(LogLevel::kNotice, "listening on http://", config_.listen.text);
  Accept();
  return egd::Status::Ok();
}

void HttpServer::Accept() {
  acceptor_.async_accept([this](const error_code& ec, asio::ip::tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void HttpServer::OnAccept(const error_code& ec, asio::ip::tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    Log(LogLevel::kWarning, "accept: ", ec.message());  // e.g. EMFILE: try again
  } else if (app_.metrics().clients() >= config_.max_clients) {
    app_.metrics().ClientRejected();
    error_code ignored;
    socket.close(ignored);
  } else {
    uint64_t id = next_id_++;
    auto session = std::make_shared<Session>(std::move(socket), config_, app_, sessions_, id);
    (*sessions_)[id] = session;
    session->Start();
  }
  Accept();
}

void HttpServer::Stop() {
  error_code ignored;
  acceptor_.close(ignored);
  auto sessions = *sessions_;
  for (auto& [id, weak] : sessions) {
    if (auto s = weak.lock()) s->Close();
  }
}

}  // namespace httpd
