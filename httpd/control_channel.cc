#include "httpd/control_channel.h"

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace httpd {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr size_t kMaxReply = 1 << 20;
}

struct ControlChannel::Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(asio::io_context& io, ControlChannel& parent, Callback cb)
      : owner(parent), socket(io), timer(io), callback(std::move(cb)), reply(kMaxReply) {}

  void Start(const std::string& path, const std::string& command,
             std::chrono::milliseconds timeout) {
    line = command + "\n";
    timer.expires_after(timeout);
    timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->Finish(false, "timed out waiting for egdd");
    });
    socket.async_connect(asio::local::stream_protocol::endpoint(path),
                         [self = shared_from_this(), path](const error_code& ec) {
                           if (ec) return self->Finish(false, "cannot connect to " + path + ": " + ec.message());
                           self->Send();
                         });
  }

  void Send() {
    asio::async_write(socket, asio::buffer(line), [self = shared_from_this()](
                                                       const error_code& ec, size_t) {
      if (ec) return self->Finish(false, "send: " + ec.message());
      asio::async_read(self->socket, self->reply, [self](const error_code& e, size_t) {
        self->OnRead(e);
      });
    });
  }

  void OnRead(const error_code& ec) {
    if (ec && ec != asio::error::eof) return Finish(false, "read: " + ec.message());
    std::string text(asio::buffers_begin(reply.data()), asio::buffers_end(reply.data()));
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (text.empty()) return Finish(false, "egdd closed the control connection without a reply");
    Finish(true, "", text);
  }

  // Runs the callback once; later completions (timer, aborted I/O) do nothing.
  void Finish(bool ok, const std::string& error, const std::string& text = "") {
    if (done) return;
    done = true;
    error_code ignored;
    timer.cancel();
    socket.close(ignored);
    owner.live_.erase(shared_from_this());
    callback(ok, error, text);
  }

  ControlChannel& owner;
  asio::local::stream_protocol::socket socket;
  asio::steady_timer timer;
  Callback callback;
  asio::streambuf reply;
  std::string line;
  bool done = false;
};

ControlChannel::ControlChannel(asio::io_context& io, std::string path,
                               std::chrono::milliseconds timeout)
    : io_(io), path_(std::move(path)), timeout_(timeout) {}

ControlChannel::~ControlChannel() { Stop(); }

void ControlChannel::Request(const std::string& command, Callback callback) {
  auto exchange = std::make_shared<Exchange>(io_, *this, std::move(callback));
  live_.insert(exchange);
  exchange->Start(path_, command, timeout_);
}

void ControlChannel::Stop() {
  std::set<std::shared_ptr<Exchange>> live;
  live.swap(live_);
  for (const auto& e : live) {
    e->done = true;
    error_code ignored;
    e->timer.cancel();
    e->socket.close(ignored);
  }
}

void StatusCache::Get(Callback callback) {
  auto now = std::chrono::steady_clock::now();
  if (have_ && now - fetched_ <= max_age_) {
    callback(last_);
    return;
  }
  Refresh(std::move(callback));
}

void StatusCache::Refresh(Callback callback) {
  if (!waiting_.empty() && query_started_ <= invalidated_) {
    // The query in flight may predate a state change (an init just sent): its
    // answer could say "standby". This caller gets the next query's.
    after_.push_back(std::move(callback));
    return;
  }
  waiting_.push_back(std::move(callback));
  if (waiting_.size() > 1) return;  // a query is in flight
  Query();
}

void StatusCache::Query() {
  query_started_ = std::chrono::steady_clock::now();
  control_.Request("status", [this](bool ok, const std::string& error, const std::string& reply) {
    OnReply(ok, error, reply);
  });
}

void StatusCache::Invalidate() {
  have_ = false;
  invalidated_ = std::chrono::steady_clock::now();
}

void StatusCache::OnReply(bool ok, const std::string& error, const std::string& reply) {
  last_ = ParseStatus(ok, error, reply);
  fetched_ = query_started_;
  have_ = query_started_ > invalidated_;  // else it may predate a state change
  std::vector<Callback> waiting;
  waiting.swap(waiting_);
  if (!after_.empty()) {  // before the callbacks: one may call Refresh again
    waiting_.swap(after_);
    Query();
  }
  for (Callback& cb : waiting) cb(last_);
}

}  // namespace httpd
