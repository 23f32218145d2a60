#include "httpd/sample_reader.h"

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "common/secure_memory.h"

namespace httpd {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr size_t kReadBuffer = 4096;
}  // namespace

struct SampleReader::Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(asio::io_context& io, SampleReader& parent, size_t bytes, Callback cb)
      : owner(parent), socket(io), timer(io), callback(std::move(cb)),
        requests(NonBlockingRequests(bytes)), replies(NonBlockingRequestCount(bytes)),
        buffer(kReadBuffer) {}

  void Start(const egd::NetAddress& endpoint, std::chrono::milliseconds timeout) {
    timer.expires_after(timeout);
    timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->Finish(false, "timed out");
    });
    asio::generic::stream_protocol::endpoint ep;
    if (endpoint.is_unix) {
      ep = asio::local::stream_protocol::endpoint(endpoint.path);
    } else {
      error_code ec;
      ep = asio::ip::tcp::endpoint(asio::ip::make_address(endpoint.host, ec), endpoint.port);
    }
    socket.async_connect(ep, [self = shared_from_this(), text = endpoint.text](const error_code& ec) {
      if (ec) return self->Finish(false, "cannot connect to " + text + ": " + ec.message());
      self->Send();
    });
  }

  void Send() {
    asio::async_write(socket, asio::buffer(requests),
                      [self = shared_from_this()](const error_code& ec, size_t) {
                        if (ec) return self->Finish(false, "send: " + ec.message());
                        self->DoRead();
                      });
  }

  void DoRead() {
    socket.async_read_some(asio::buffer(buffer), [self = shared_from_this()](const error_code& ec,
                                                                             size_t n) {
      self->OnRead(ec, n);
    });
  }

  // Tallies the payload straight from the read buffer, then wipes it.
  void OnRead(const error_code& ec, size_t n) {
    if (done) return egd::WipeContents(buffer);
    std::span<const uint8_t> in(buffer.data(), n);
    replies.Feed(in, [this](std::span<const uint8_t> piece) { counts.Add(piece); });
    egd::WipeContents(buffer);
    if (replies.done()) return Finish(true, "");
    if (ec) {
      return Finish(false, ec == asio::error::eof ? "egdd closed the connection"
                                                  : "read: " + ec.message());
    }
    DoRead();
  }

  // Runs the callback once; later completions do nothing.
  void Finish(bool ok, const std::string& error) {
    if (done) return;
    done = true;
    error_code ignored;
    timer.cancel();
    socket.close(ignored);
    auto self = shared_from_this();
    owner.live_.reset();
    callback(ok, counts, error);
  }

  SampleReader& owner;
  asio::generic::stream_protocol::socket socket;
  asio::steady_timer timer;
  Callback callback;
  std::vector<uint8_t> requests;
  NonBlockingReplies replies;
  egd::SecureBytes buffer;  // holds tested bytes between a read and its wipe
  ByteCounts counts;
  bool done = false;
};

SampleReader::SampleReader(asio::io_context& io, egd::NetAddress endpoint)
    : io_(io), endpoint_(std::move(endpoint)) {}

SampleReader::~SampleReader() { Stop(); }

bool SampleReader::Read(size_t bytes, std::chrono::milliseconds timeout, Callback callback) {
  if (live_ || bytes == 0) return false;
  live_ = std::make_shared<Exchange>(io_, *this, bytes, std::move(callback));
  live_->Start(endpoint_, timeout);
  return true;
}

void SampleReader::Stop() {
  if (!live_) return;
  std::shared_ptr<Exchange> e = std::move(live_);
  e->done = true;
  error_code ignored;
  e->timer.cancel();
  e->socket.close(ignored);
}

}  // namespace httpd
