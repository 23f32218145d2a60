#include "egdd/egd_session.h"

#include <unistd.h>

#include <cstring>
#include <string_view>

#include <boost/asio/write.hpp>

#include "common/log.h"

namespace egdd {

using egd::Log;
using egd::LogLevel;
namespace asio = boost::asio;

namespace {

constexpr size_t kMaxPendingRequests = 1024;  // parsed, not yet answered

// Appends a short, non-secret response (00, 04) built by the codec.
template <typename Encode>
void AppendEncoded(egd::SecureBytes* out, Encode encode) {
  std::vector<uint8_t> wire;
  encode(&wire);
  out->insert(out->end(), wire.begin(), wire.end());
}

std::string Bracketed(const std::string& address) {
  return address.find(':') == std::string::npos ? address : "[" + address + "]";
}

}  // namespace

EgdSession::EgdSession(Socket socket, SessionContext& ctx, uint64_t id, std::string peer,
                       std::string address, std::string key, bool proxy)
    : socket_(std::move(socket)),
      ctx_(ctx),
      id_(id),
      peer_(std::move(peer)),
      address_(std::move(address)),
      key_(std::move(key)),
      proxy_listener_(proxy),
      awaiting_proxy_(proxy),
      rate_timer_(socket_.get_executor()),
      command_timer_(socket_.get_executor()) {}

void EgdSession::Start() {
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);  // OnReadable's read_some must never block
  if (!awaiting_proxy_) Register();
  UpdateCommandTimer();  // the PROXY header, too, must arrive in time
  MaybeRead();
}

void EgdSession::Register() {
  registered_ = true;
  ctx_.clients->Connect(key_, std::chrono::steady_clock::now());
}

// Consumes the PROXY header from `in`; returns the payload after it (empty
// while the header is incomplete, or after closing on a bad header).
std::span<const uint8_t> EgdSession::ParseProxyHeader(std::span<const uint8_t> in) {
  size_t used = 0;
  egd::ProxyHeader header;
  auto result = proxy_parser_.Parse(in, &used, &header);
  if (result == egd::ProxyHeaderParser::Result::kNeedMore) return {};
  if (result == egd::ProxyHeaderParser::Result::kBad) {
    ++ctx_.stats->proxy_rejected;
    Log(LogLevel::kNotice, "egd client ", peer_, " on a PROXY listener: ", proxy_parser_.error(),
        ": closing");
    Close();
    return {};
  }
  awaiting_proxy_ = false;
  if (header.known) {
    // The parser validated the address; six spellings of it make one key.
    address_ = egd::CanonicalAddress(header.source_address).value_or(header.source_address);
    peer_ = Bracketed(address_) + ":" + std::to_string(header.source_port) + " via " + peer_;
  }
  key_ = egd::ClientKey(address_, ctx_.settings->key_policy);
  if (!ctx_.admit(key_, peer_)) {
    Close();
    return {};
  }
  Register();
  Log(LogLevel::kDebug, "egd client ", peer_, " connected");
  return in.subspan(used);
}

bool EgdSession::OutputFull() const {
  return out_.size() + writing_buf_.size() >= ctx_.settings->max_pending_output;
}

void EgdSession::MaybeRead() {
  if (reading_ || eof_ || bad_ || closed_) return;
  if (PendingSize() >= kMaxPendingRequests || OutputFull()) return;
  reading_ = true;
  socket_.async_wait(Socket::wait_read, [self = shared_from_this()](
                                            const boost::system::error_code& ec) {
    self->OnReadable(ec);
  });
}

void EgdSession::OnReadable(const boost::system::error_code& ec) {
  if (ec) return OnRead(ec, 0);
  boost::system::error_code read_ec;
  size_t n = socket_.read_some(asio::buffer(ctx_.read_buf), read_ec);
  if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
    reading_ = false;
    return MaybeRead();
  }
  OnRead(read_ec, n);
}

void EgdSession::ClearPending() {
  pending_.clear();
  pending_head_ = 0;
}

void EgdSession::OnRead(const boost::system::error_code& ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec == asio::error::eof) {
    eof_ = true;
    if (waiting_) {
      // The client stopped sending while it waited: it cannot be told apart
      // from one that has gone, so no entropy is parked for it.
      ctx_.pool->Cancel(id_);
      waiting_ = false;
      ClearPending();
    }
  } else if (ec) {
    Log(LogLevel::kDebug, "egd client ", peer_, ": read: ", ec.message());
    Close();
    return;
  } else {
    std::span<const uint8_t> in(ctx_.read_buf.data(), n);
    if (!seen_data_ && UnexpectedProxyHeader(in)) return;
    seen_data_ = true;
    if (awaiting_proxy_) in = ParseProxyHeader(in);
    if (closed_) return;
    Parse(in);
  }
  UpdateCommandTimer();
  Process();
}

// A plain listener whose client opens with "PROXY " (or a prefix of it) is
// wired behind a proxy by mistake, or someone tries to claim an address:
// either way the connection is closed, with a line that says why.
bool EgdSession::UnexpectedProxyHeader(std::span<const uint8_t> in) {
  constexpr std::string_view kProxy = "PROXY ";
  if (proxy_listener_ || in.empty()) return false;
  size_t n = std::min(in.size(), kProxy.size());
  if (std::memcmp(in.data(), kProxy.data(), n) != 0) return false;
  ctx_.unexpected_proxy(address_, peer_);
  Close();
  return true;
}

void EgdSession::Parse(std::span<const uint8_t> in) {
  while (!in.empty() && !bad_) {
    size_t used = 0;
    egd::Request r;
    auto result = parser_.Parse(in, &used, &r);
    in = in.subspan(used);
    if (result == egd::RequestParser::Result::kGood) {
      if (pending_head_ > 64 && 2 * pending_head_ > pending_.size()) {
        pending_.erase(pending_.begin(), pending_.begin() + pending_head_);
        pending_head_ = 0;
      }
      pending_.push_back(r);
      ++ctx_.stats->requests;
      if (r.command == egd::Command::kWrite) ctx_.stats->bytes_written_by_clients += r.count;
    } else if (result == egd::RequestParser::Result::kBad) {
      bad_ = true;
      ++ctx_.stats->protocol_errors;
      Log(LogLevel::kNotice, "egd client ", peer_, ": unknown command byte 0x", std::hex,
          static_cast<int>(in.data()[-1]), std::dec, ": closing");
    }
  }
}

void EgdSession::Process() {
  while (!closed_ && !waiting_ && !PendingEmpty() && !OutputFull()) {
    egd::Request r = pending_[pending_head_++];
    if (PendingEmpty()) ClearPending();
    Execute(r);
  }
  Flush();
  MaybeRead();
}

void EgdSession::Execute(const egd::Request& r) {
  switch (r.command) {
    case egd::Command::kEntropyCount:
      AppendEncoded(&out_, [&](auto* wire) { egd::EncodeEntropyCount(ctx_.entropy_bits(), wire); });
      break;
    case egd::Command::kReadNonBlocking: {
      size_t at = out_.size();
      out_.push_back(0);
      size_t allowed = ctx_.clients->Allowance(key_, std::chrono::steady_clock::now());
      if (allowed < r.count) ++ctx_.stats->rate_limited;
      size_t n = ctx_.pool->Take(std::min<size_t>(r.count, allowed), &out_);
      out_[at] = static_cast<uint8_t>(n);
      ctx_.stats->bytes_served += n;
      ctx_.clients->Served(key_, n);
      break;
    }
    case egd::Command::kReadBlocking:
      if (r.count > 0) ReadBlocking(r.count);
      break;
    case egd::Command::kWrite:
      break;  // consumed by the parser; never credited
    case egd::Command::kPid:
      AppendEncoded(&out_, [](auto* wire) { egd::EncodePid(static_cast<long>(::getpid()), wire); });
      break;
  }
}

// With client_rate_limit, a blocking read first waits (timer, not pool) until
// its client key may take n more bytes. Returns false while waiting.
bool EgdSession::WaitForAllowance(size_t n) {
  auto wait = ctx_.clients->WaitFor(key_, n, std::chrono::steady_clock::now());
  if (wait == std::chrono::steady_clock::duration::zero()) return true;
  ++ctx_.stats->rate_limited;
  waiting_ = true;
  rate_timer_.expires_after(wait);
  rate_timer_.async_wait([self = shared_from_this(), n](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    self->waiting_ = false;
    self->ReadBlocking(n);
    self->Process();
  });
  return false;
}

void EgdSession::ReadBlocking(size_t n) {
  if (!WaitForAllowance(n)) return;
  std::weak_ptr<EgdSession> weak = weak_from_this();
  auto deliver = [weak](std::span<const uint8_t> bytes) {
    if (auto self = weak.lock()) self->OnDelivery(bytes);
  };
  if (ctx_.pool->TryTakeOrWait(id_, n, &out_, deliver)) {
    ctx_.stats->bytes_served += n;
    ctx_.clients->Served(key_, n);
    return;
  }
  if (eof_) {
    // As in OnRead: a client that stopped sending gets only what is here now.
    ctx_.pool->Cancel(id_);
    ClearPending();
    return;
  }
  waiting_ = true;
}

void EgdSession::OnDelivery(std::span<const uint8_t> bytes) {
  waiting_ = false;
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  ctx_.stats->bytes_served += bytes.size();
  ctx_.clients->Served(key_, bytes.size());
  Process();
}

void EgdSession::Flush() {
  if (closed_ || writing_) return;
  if (out_.empty()) {
    bool finished = PendingEmpty() && !waiting_;
    if ((bad_ || eof_) && finished) Close();
    return;
  }
  writing_ = true;
  writing_buf_.swap(out_);
  asio::async_write(socket_, asio::buffer(writing_buf_),
                    [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                      self->OnWrite(ec);
                    });
}

void EgdSession::OnWrite(const boost::system::error_code& ec) {
  writing_ = false;
  egd::WipeContents(writing_buf_);  // sent: no copy stays behind
  writing_buf_.clear();
  // An idle connection keeps no large buffers: a burst of pipelined reads
  // grows them up to max_pending_output.
  constexpr size_t kKeepCapacity = 512;
  if (writing_buf_.capacity() > kKeepCapacity) egd::SecureBytes().swap(writing_buf_);
  if (out_.empty() && out_.capacity() > kKeepCapacity) egd::SecureBytes().swap(out_);
  if (closed_) return;
  if (ec) {
    Log(LogLevel::kDebug, "egd client ", peer_, ": write: ", ec.message());
    Close();
    return;
  }
  Process();
}

void EgdSession::UpdateCommandTimer() {
  if ((!parser_.mid_request() && !awaiting_proxy_) || eof_) {
    if (timer_armed_) command_timer_.cancel();
    timer_armed_ = false;
    return;
  }
  if (timer_armed_) return;  // the deadline runs from the command's first byte
  timer_armed_ = true;
  command_timer_.expires_after(ctx_.settings->command_timeout);
  command_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    // A timer that fired just as it was disarmed (and maybe re-armed for a
    // later deadline) is stale: only a deadline that has passed counts.
    if (ec || self->closed_ || !self->timer_armed_) return;
    if (self->command_timer_.expiry() > std::chrono::steady_clock::now()) return;
    ++self->ctx_.stats->command_timeouts;
    Log(LogLevel::kNotice, "egd client ", self->peer_,
        ": command not completed within the timeout: closing");
    self->Close();
  });
}

void EgdSession::Close() {
  if (closed_) return;
  closed_ = true;
  if (waiting_) ctx_.pool->Cancel(id_);
  waiting_ = false;
  command_timer_.cancel();
  rate_timer_.cancel();
  if (registered_) ctx_.clients->Disconnect(key_, std::chrono::steady_clock::now());
  boost::system::error_code ignored;
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  ctx_.on_closed(id_);
}

}  // namespace egdd
