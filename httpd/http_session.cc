// SPDX-License-Identifier: Apache-2.0
#include "httpd/http_session.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include <boost/asio/write.hpp>

#include "common/client_address.h"
#include "common/log.h"

namespace httpd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using egd::Log;
using egd::LogLevel;

namespace {
constexpr size_t kPrefaceRead = 1024;  // a PROXY header is at most 107 bytes
constexpr std::string_view kProxySignature = "PROXY ";

std::string_view Buffered(const beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.data().size()};
}

// The status line and headers every answer carries, from App's Response.
template <typename Body>
void SetHeaders(const Response& r, http::response<Body>* res) {
  res->version(11);
  res->result(r.status);
  res->reason(ReasonPhrase(r.status));
  res->set(http::field::server, "trng-httpd");
  res->set(http::field::content_type, r.content_type);
  res->set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : r.headers) res->insert(name, value);
}
}  // namespace

Session::Session(Socket socket, const SessionContext& context, Role role, bool proxy,
                 egd::Peer peer, uint64_t id)
    : stream_(std::move(socket)), context_(context), role_(role), proxy_(proxy),
      peer_(std::move(peer)), id_(id), name_(peer_.name) {
  context_.app.metrics().ClientOpened();
}

Session::~Session() {
  if (stream_id_) context_.app.CloseEventStream(stream_id_);
  if (admitted_) context_.app.CloseClient(key_);
  context_.app.metrics().ClientClosed();
  context_.registry->erase(id_);
}

void Session::Start() {
  if (!proxy_ && !Admit(peer_.address)) return Close();
  DoPreface();
}

void Session::Close() {
  closed_ = true;
  if (stream_id_) context_.app.CloseEventStream(std::exchange(stream_id_, 0));
  error_code ignored;
  stream_.socket().shutdown(asio::socket_base::shutdown_both, ignored);
  stream_.close();
}

// Reads the first bytes: the PROXY header on a proxy listener, else enough to
// see that no PROXY header comes where none is expected.
void Session::DoPreface() {
  stream_.expires_after(proxy_ ? http().request_timeout : http().idle_timeout);
  stream_.async_read_some(buffer_.prepare(kPrefaceRead),
                          [self = shared_from_this()](const error_code& ec, size_t n) {
                            self->OnPreface(ec, n);
                          });
}

void Session::OnPreface(const error_code& ec, size_t n) {
  if (ec) {
    if (proxy_ && ec == beast::error::timeout) Refuse("bad_proxy_header", "no PROXY header in time");
    else Close();
    return;
  }
  buffer_.commit(n);
  if (proxy_) return OnProxyBytes();
  CheckNoProxyHeader();
}

void Session::OnProxyBytes() {
  std::string_view in = Buffered(buffer_);
  size_t used = 0;
  egd::ProxyHeader header;
  auto result = proxy_parser_.Parse(
      {reinterpret_cast<const uint8_t*>(in.data()), in.size()}, &used, &header);
  buffer_.consume(used);
  if (result == egd::ProxyHeaderParser::Result::kNeedMore) return DoPreface();
  if (result == egd::ProxyHeaderParser::Result::kBad) {
    return Refuse("bad_proxy_header", "bad PROXY header: " + proxy_parser_.error());
  }
  std::string client = header.known ? header.source_address : peer_.address;
  if (header.known) name_ += " for " + client;
  if (!Admit(client)) return Close();
  DoReadHeader();  // bytes after the header are already in buffer_
}

void Session::CheckNoProxyHeader() {
  std::string_view in = Buffered(buffer_);
  size_t k = std::min(in.size(), kProxySignature.size());
  if (in.substr(0, k) != kProxySignature.substr(0, k)) return DoReadHeader();
  if (k < kProxySignature.size()) return DoPreface();
  Refuse("proxy_header_not_expected", "sent a PROXY header to a listener that takes none");
}

// Refusals are logged without flooding: per peer and reason, the first and then
// one line a minute (egd::RefusalLog).
void Session::Refuse(const char* reason, const std::string& why) {
  context_.app.metrics().ConnectionRefused(reason);
  std::string key = std::string(reason) + " from " + peer_.address;
  auto v = context_.app.refusals().Record(key, std::chrono::steady_clock::now());
  if (v.log) Log(LogLevel::kNotice, "http client ", name_, " closed: ", why, v.Note(key));
  Close();
}

bool Session::Admit(const std::string& client) {
  key_ = egd::ClientKey(client, http().client_key);
  if (!context_.app.OpenClient(key_)) {
    auto v = context_.app.refusals().Record(key_, std::chrono::steady_clock::now());
    if (v.log) {
      Log(LogLevel::kNotice, "http client ", name_, " refused: ", key_, " already has ",
          http().PerAddressLimit(), " connections (max_clients_per_address)",
          v.Note(key_));
    }
    return false;
  }
  admitted_ = true;
  return true;
}

void Session::DoReadHeader() {
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(http().header_limit));
  parser_->body_limit(http().body_limit);
  stream_.expires_after(http().idle_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](const error_code& ec, size_t) {
                            self->OnHeader(ec);
                          });
}

void Session::OnHeader(const error_code& ec) {
  if (ec) return OnReadError(ec);
  if (parser_->is_done()) return OnRead({});  // no body (every GET): skip a read and a timer
  stream_.expires_after(http().request_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](const error_code& e, size_t) { self->OnRead(e); });
}

void Session::OnReadError(const error_code& ec) {
  if (ec == http::error::header_limit) return SendError(431, "request headers too large");
  if (ec == http::error::body_limit) return SendError(413, "request body too large");
  if (ec.category() == make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return SendError(400, "malformed HTTP request: " + ec.message());
  }
  if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted) {
    Log(LogLevel::kDebug, "http ", name_, ": ", ec.message());
  }
  Close();
}

void Session::SendError(unsigned status, const std::string& message) {
  keep_alive_ = false;
  head_ = false;  // the request was not read whole: answer with a body and close
  Send(JsonResponse(status, message));
}

Request Session::MakeRequest() const {
  const auto& req = parser_->get();
  Request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  r.cookie = std::string(req[http::field::cookie]);
  r.body = req.body();
  r.client = key_;
  r.role = role_;
  r.version = req.version();
  auto hosts = req.equal_range(http::field::host);
  if (hosts.first != hosts.second) r.host = std::string(hosts.first->value());
  r.repeated_host = hosts.first != hosts.second && std::next(hosts.first) != hosts.second;
  if (auto it = req.find(http::field::origin); it != req.end()) r.origin = std::string(it->value());
  if (auto it = req.find("Sec-Fetch-Site"); it != req.end()) {
    r.sec_fetch_site = std::string(it->value());
  }
  return r;
}

void Session::OnRead(const error_code& ec) {
  if (ec) return OnReadError(ec);
  keep_alive_ = parser_->get().keep_alive();
  head_ = parser_->get().method() == http::verb::head;
  stream_.expires_never();  // App has its own timeouts
  Request request = MakeRequest();
  request.sink = std::weak_ptr<EventSink>(shared_from_this());
  context_.app.Handle(request, [self = shared_from_this()](Response response) {
    self->Send(std::move(response));
  });
}

void Session::Send(Response r) {
  if (closed_) return;
  if (r.stream && !head_) return StartStream(r);
  res_ = {};
  SetHeaders(r, &res_);
  res_.keep_alive(keep_alive_ && !r.stream);
  if (head_ && r.stream) {
    // An event stream's headers alone: no length, its body would run until closed.
  } else if (head_) {
    res_.content_length(r.body.size());  // what GET would send; r's body is wiped unsent
  } else {
    res_.body() = std::move(r.body);
    res_.prepare_payload();
  }
  stream_.expires_after(http().write_timeout);
  http::async_write(stream_, res_, [self = shared_from_this()](const error_code& ec, size_t) {
    self->OnWrite(ec);
  });
}

void Session::OnWrite(const error_code& ec) {
  res_ = {};  // the body's secure memory is wiped as it is released
  if (ec || !keep_alive_ || closed_) return Close();
  DoWaitRequest();
}

// The event stream's headers; the frames follow as they come (Push).
void Session::StartStream(const Response& r) {
  stream_id_ = r.stream_id;
  keep_alive_ = false;
  stream_res_.emplace();
  SetHeaders(r, &*stream_res_);
  stream_res_->keep_alive(false);
  stream_sr_.emplace(*stream_res_);
  stream_.expires_after(http().write_timeout);
  http::async_write_header(stream_, *stream_sr_,
                           [self = shared_from_this()](const error_code& ec, size_t) {
                             if (ec) return self->Close();
                             self->stream_.expires_never();
                             self->streaming_ = true;
                             self->WatchPeer();
                             self->WriteFrames();
                           });
}

// The client of a stream sends nothing more; its reading end closing (EOF, an
// error) ends the stream. Bypasses the stream's timer: waiting is normal here.
void Session::WatchPeer() {
  stream_.socket().async_read_some(asio::buffer(peer_byte_),
                                   [self = shared_from_this()](const error_code& ec, size_t) {
                                     if (ec) return self->Close();
                                     self->WatchPeer();
                                   });
}

void Session::Push(const std::string& frame) {
  if (closed_) return;
  if (queued_bytes_ + frame.size() > kMaxQueuedFrameBytes) {
    Log(LogLevel::kInfo, "http ", name_, ": event stream closed: the client does not read (",
        queued_bytes_, " bytes queued)");
    return Close();
  }
  frames_.push_back(frame);
  queued_bytes_ += frame.size();
  WriteFrames();
}

void Session::WriteFrames() {
  if (!streaming_ || writing_ || closed_ || frames_.empty()) return;
  writing_ = true;
  stream_.expires_after(http().write_timeout);
  asio::async_write(stream_, asio::buffer(frames_.front()),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      self->writing_ = false;
                      if (ec || self->closed_) return self->Close();
                      self->stream_.expires_never();
                      self->queued_bytes_ -= self->frames_.front().size();
                      self->frames_.pop_front();
                      self->WriteFrames();
                    });
}

// Keep-alive: waits for the next request's first bytes (within idle_timeout),
// so that its parser gets the limits in force when it comes, a reload's too.
void Session::DoWaitRequest() {
  if (buffer_.size() > 0) return DoReadHeader();  // pipelined: it is here already
  stream_.expires_after(http().idle_timeout);
  stream_.async_read_some(buffer_.prepare(kPrefaceRead),
                          [self = shared_from_this()](const error_code& ec, size_t n) {
                            if (ec) return self->Close();  // gone, or idle too long
                            self->buffer_.commit(n);
                            self->DoReadHeader();
                          });
}

}  // namespace httpd
