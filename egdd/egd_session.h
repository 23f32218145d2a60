// EgdSession: one EGD client connection. Owns its socket and buffers; requests
// are parsed by egd::RequestParser and executed strictly in order, so
// pipelined responses keep their order. A blocking read that must wait parks
// the session (one queued request per connection: round-robin fairness in the
// Pool). The session closes itself on a protocol error, a write error, a
// half-received command older than command_timeout, or the client's EOF; it
// never times out an idle or waiting client. Unread output is bounded: while
// more than max_pending_output bytes wait for the client, it is not read.
//
// Identity: every connection is accounted (connections, rate limit, stats)
// under its client key (common/client_address.h): the canonical PROXY source
// address grouped by prefix on proxy listeners, else the peer's ("uid:N" for
// unix peers). On a proxy listener the key is known only after the header;
// then the server's admit() applies max_clients_per_address. On a plain
// listener, a connection whose first bytes are "PROXY " is closed.
// Output (out_, writing_buf_) is secure memory and wiped once written.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/client_address.h"
#include "common/client_table.h"
#include "common/egd_codec.h"
#include "common/proxy_protocol.h"
#include "common/secure_memory.h"
#include "egdd/pool.h"

namespace egdd {

struct EgdStats {
  uint64_t bytes_served = 0;
  uint64_t requests = 0;
  uint64_t connections = 0;  // accepted, ever
  uint64_t rejected = 0;     // closed at once: max_clients
  uint64_t rejected_per_address = 0;  // closed: max_clients_per_address
  uint64_t protocol_errors = 0;
  uint64_t command_timeouts = 0;
  uint64_t bytes_written_by_clients = 0;  // 03 payloads: discarded, never credited
  // Closed for PROXY reasons: a proxy listener's connection without a valid
  // header, or from an untrusted peer; a PROXY header on a plain listener.
  uint64_t proxy_rejected = 0;
  uint64_t proxy_untrusted_peer = 0;     // of which: TCP proxy listener, peer not trusted
  uint64_t proxy_header_unexpected = 0;  // of which: PROXY header on a plain listener
  uint64_t rate_limited = 0;    // reads delayed or shortened by client_rate_limit
};

struct EgdSettings {
  size_t max_clients = 1024;
  size_t max_clients_per_address = 256;  // effective (never 0)
  egd::ClientKeyPolicy key_policy;
  std::vector<egd::IpPrefix> proxy_trusted_peers;
  std::chrono::milliseconds command_timeout{10000};
  size_t max_pending_output = 65536;
};

// What sessions share, owned by the EgdServer.
struct SessionContext {
  Pool* pool = nullptr;
  EgdStats* stats = nullptr;
  egd::ClientTable* clients = nullptr;
  const EgdSettings* settings = nullptr;
  std::function<uint32_t()> entropy_bits;      // answer to 00
  std::function<void(uint64_t id)> on_closed;  // unregisters the session
  // Whether a client with this key may connect now (max_clients_per_address);
  // the server logs and counts a refusal. `peer` names the connection.
  std::function<bool(const std::string& key, const std::string& peer)> admit;
  // A PROXY header came on a plain listener (the server logs and counts it).
  std::function<void(const std::string& address, const std::string& peer)> unexpected_proxy;
  // Every session reads into this one buffer (one io thread; OnRead parses it
  // before the next read can start), so an idle connection holds none.
  std::array<uint8_t, 4096> read_buf{};
};

class EgdSession : public std::enable_shared_from_this<EgdSession> {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;

  // `peer` names the connection in logs; `address` is its canonical client
  // address and `key` the client key it is accounted under (admitted by the
  // server). With `proxy`, the first bytes must be a PROXY v1 header, whose
  // source address replaces all three (`key` is then ignored).
  EgdSession(Socket socket, SessionContext& ctx, uint64_t id, std::string peer,
             std::string address, std::string key, bool proxy);
  void Start();
  void Close();  // idempotent; cancels a queued read
  const std::string& peer() const { return peer_; }
  const std::string& key() const { return key_; }

 private:
  void MaybeRead();
  void OnReadable(const boost::system::error_code& ec);
  void OnRead(const boost::system::error_code& ec, size_t n);
  bool PendingEmpty() const { return pending_head_ == pending_.size(); }
  size_t PendingSize() const { return pending_.size() - pending_head_; }
  void ClearPending();
  void Parse(std::span<const uint8_t> in);
  std::span<const uint8_t> ParseProxyHeader(std::span<const uint8_t> in);
  bool UnexpectedProxyHeader(std::span<const uint8_t> in);
  void Register();
  void Process();
  void Execute(const egd::Request& r);
  void ReadBlocking(size_t n);
  bool WaitForAllowance(size_t n);
  void OnDelivery(std::span<const uint8_t> bytes);
  void Flush();
  void OnWrite(const boost::system::error_code& ec);
  void UpdateCommandTimer();
  bool OutputFull() const;

  Socket socket_;
  SessionContext& ctx_;
  const uint64_t id_;
  std::string peer_;
  std::string address_;
  std::string key_;
  const bool proxy_listener_;
  bool awaiting_proxy_;  // the PROXY header has not arrived yet
  bool seen_data_ = false;
  bool registered_ = false;
  egd::ProxyHeaderParser proxy_parser_;
  boost::asio::steady_timer rate_timer_;  // a blocking read waiting for its rate allowance
  boost::asio::steady_timer command_timer_;
  egd::RequestParser parser_;
  std::vector<egd::Request> pending_;  // parsed, not yet executed: [pending_head_, end)
  size_t pending_head_ = 0;
  egd::SecureBytes out_;          // responses not yet handed to the kernel
  egd::SecureBytes writing_buf_;  // the write in flight
  bool reading_ = false;
  bool writing_ = false;
  bool waiting_ = false;      // a blocking read is queued in the pool
  bool timer_armed_ = false;
  bool bad_ = false;          // protocol error seen: close after earlier responses
  bool eof_ = false;          // client finished sending
  bool closed_ = false;
};

}  // namespace egdd
