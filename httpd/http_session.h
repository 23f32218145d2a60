// SPDX-License-Identifier: Apache-2.0
// Session: one HTTP/1.1 connection accepted by HttpServer, over TCP or a unix
// socket (one generic stream type). It owns its stream and buffers and goes
// through three stages:
// 1. Who is the client. On a proxy listener the first bytes must be a PROXY v1
//    header (egd::ProxyHeaderParser), within request_timeout; its source
//    address is the client (UNKNOWN: the peer), and the bytes after it stay in
//    the buffer for the HTTP parser. On any other listener the client is the
//    peer (egd::PeerOf), and a connection that starts with a PROXY header is
//    closed: nobody may claim an address where no front end stands.
// 2. Admission: the client key (egd::ClientKey with [http] ipv4_prefix and
//    ipv6_prefix) must have fewer than max_clients_per_address connections
//    (App::OpenClient); else the connection is closed at once.
// 3. Requests, one at a time (keep-alive; header and body size limits; a
//    keep-alive timeout for the next request's headers, a request timeout for
//    its body, a write timeout for the answer; all read from App::config() as
//    each stage starts, and the size limits once a request's first bytes
//    came, so a reload applies to the next request of an open connection),
//    handed to App with the listener's role and the client key; App's
//    Response is written whenever it comes (for HEAD: its headers and the
//    Content-Length of its body, without the body; App routes HEAD as GET). Response bodies stay in secure memory and are wiped once sent.
// 4. Or an event stream (GET /trng/randomNum/events: a Response with
//    stream set): the headers without a Content-Length (Connection: close),
//    then the frames the feed pushes (EventSink::Push), one write at a time,
//    each within write_timeout. Frames wait in a queue of at most
//    kMaxQueuedFrameBytes; a client that lets more pile up is closed. The
//    client sends nothing more: a read watches for it closing the connection,
//    and a session that closes leaves the feed (App::CloseEventStream).
// A failing session closes itself, never the daemon. Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/listener.h"
#include "common/proxy_protocol.h"
#include "common/secure_memory.h"
#include "httpd/app.h"
#include "httpd/config.h"

namespace httpd {

class Session;
using SessionRegistry = std::map<uint64_t, std::weak_ptr<Session>>;

// What a session shares with its server. App outlives every session (sessions
// may wait inside App); its config() is the running configuration, read as
// each stage starts, so a reload's [http] limits and timeouts reach sessions
// already open at their next request.
struct SessionContext {
  App& app;
  std::shared_ptr<SessionRegistry> registry;
};

class Session : public std::enable_shared_from_this<Session>, public EventSink {
 public:
  static constexpr size_t kMaxQueuedFrameBytes = 1 << 20;

  using Socket = boost::asio::generic::stream_protocol::socket;

  Session(Socket socket, const SessionContext& context, Role role, bool proxy, egd::Peer peer,
          uint64_t id);
  // May run after the server is gone (a session can wait in App's queues), so
  // it touches only App, which outlives the server, and the shared registry.
  ~Session();

  void Start();
  void Close();
  void Push(const std::string& frame) override;

 private:
  using Stream = boost::beast::basic_stream<boost::asio::generic::stream_protocol>;
  using SecureBody = boost::beast::http::vector_body<char, egd::SecureAllocator<char>>;

  void DoPreface();
  void OnPreface(const boost::system::error_code& ec, size_t n);
  void OnProxyBytes();
  void CheckNoProxyHeader();
  void Refuse(const char* reason, const std::string& why);
  bool Admit(const std::string& client);
  void DoWaitRequest();
  void DoReadHeader();
  void OnHeader(const boost::system::error_code& ec);
  void OnReadError(const boost::system::error_code& ec);
  void OnRead(const boost::system::error_code& ec);
  Request MakeRequest() const;
  void SendError(unsigned status, const std::string& message);
  void Send(Response r);
  void OnWrite(const boost::system::error_code& ec);
  void StartStream(const Response& r);
  void WatchPeer();
  void WriteFrames();
  const HttpConfig& http() const { return context_.app.config().http; }

  Stream stream_;
  SessionContext context_;
  const Role role_;
  const bool proxy_;
  const egd::Peer peer_;
  const uint64_t id_;
  std::string name_;  // for logs: the peer, and the client a PROXY header named
  std::string key_;   // the client key, once admitted
  bool admitted_ = false;
  egd::ProxyHeaderParser proxy_parser_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<SecureBody> res_;
  bool keep_alive_ = false;
  bool head_ = false;  // the request is HEAD: the answer carries GET's headers, no body
  bool closed_ = false;
  // An event stream: its id in the feed (0: none), its header, the frames to send.
  uint64_t stream_id_ = 0;
  std::optional<boost::beast::http::response<boost::beast::http::empty_body>> stream_res_;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::empty_body>> stream_sr_;
  std::deque<std::string> frames_;
  size_t queued_bytes_ = 0;
  bool streaming_ = false;  // the header is out: frames may be written
  bool writing_ = false;    // a frame write is in flight
  char peer_byte_[256];     // what a stream's client sends, ignored
};

}  // namespace httpd
