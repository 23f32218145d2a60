#include "common/egd_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <map>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "common/egd_codec.h"

namespace egd {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr size_t kMaxSpare = 1 << 20;

void WipeAndClear(SecureBytes* v) {
  WipeContents(*v);
  v->clear();
}

}  // namespace

// --- ReadPlanner ---------------------------------------------------------------

ReadPlanner::~ReadPlanner() { Reset(); }

uint64_t ReadPlanner::Add(size_t n, std::vector<Done>* done) {
  Want w{next_id_++, n, {}};
  size_t k = std::min(n, spare_.size());
  w.got.assign(spare_.begin(), spare_.begin() + static_cast<ptrdiff_t>(k));
  Wipe(spare_.data(), k);
  spare_.erase(spare_.begin(), spare_.begin() + static_cast<ptrdiff_t>(k));
  if (k == n) {
    done->push_back({w.id, std::move(w.got)});
  } else {
    need_ += n - k;
    wants_.push_back(std::move(w));
  }
  return next_id_ - 1;
}

size_t ReadPlanner::Cancel(uint64_t id, std::vector<Done>* done) {
  auto it = std::find_if(wants_.begin(), wants_.end(), [id](const Want& w) { return w.id == id; });
  if (it == wants_.end()) return 0;
  size_t got = it->got.size();
  need_ -= it->n - got;
  SecureBytes bytes = std::move(it->got);
  wants_.erase(it);
  // Its bytes were never handed out: the reads still waiting take them first.
  std::span<const uint8_t> in(bytes);
  Feed(&in, done);
  WipeAndClear(&bytes);
  return got;
}

void ReadPlanner::OnBytes(std::span<const uint8_t> in, std::vector<Done>* done) {
  outstanding_ -= std::min(outstanding_, in.size());
  Feed(&in, done);
}

void ReadPlanner::Feed(std::span<const uint8_t>* in, std::vector<Done>* done) {
  while (!in->empty() && !wants_.empty()) {
    Want& w = wants_.front();
    size_t k = std::min(w.n - w.got.size(), in->size());
    w.got.insert(w.got.end(), in->begin(), in->begin() + static_cast<ptrdiff_t>(k));
    *in = in->subspan(k);
    need_ -= k;
    if (w.got.size() == w.n) {
      done->push_back({w.id, std::move(w.got)});
      wants_.pop_front();
    }
  }
  size_t keep = std::min(in->size(), kMaxSpare - std::min(kMaxSpare, spare_.size()));
  spare_.insert(spare_.end(), in->begin(), in->begin() + static_cast<ptrdiff_t>(keep));
}

std::vector<uint8_t> ReadPlanner::Plan(size_t max_outstanding) {
  std::vector<uint8_t> counts;
  while (outstanding_ < need_ && outstanding_ < max_outstanding) {
    size_t k = std::min({size_t{255}, need_ - outstanding_, max_outstanding - outstanding_});
    counts.push_back(static_cast<uint8_t>(k));
    outstanding_ += k;
  }
  return counts;
}

std::vector<uint64_t> ReadPlanner::Reset() {
  std::vector<uint64_t> ids;
  for (Want& w : wants_) {
    ids.push_back(w.id);
    WipeAndClear(&w.got);
  }
  wants_.clear();
  WipeAndClear(&spare_);
  need_ = outstanding_ = 0;
  return ids;
}

size_t ReadPlanner::received(uint64_t id) const {
  for (const Want& w : wants_) {
    if (w.id == id) return w.got.size();
  }
  return 0;
}

// --- EgdClient ---------------------------------------------------------------------

// Reads share a connection while it waits for at most this many bytes.
constexpr size_t kShareBelow = 1024;

// One EGD connection and the reads waiting on it.
class EgdClient::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, const EgdEndpoint& endpoint, size_t max_outstanding)
      : io_(io), endpoint_(endpoint), max_outstanding_(max_outstanding), socket_(io) {}

  size_t load() const { return planner_.need(); }
  uint64_t connects() const { return connects_; }

  void Read(size_t n, std::chrono::milliseconds timeout, Callback cb) {
    std::vector<ReadPlanner::Done> done;
    uint64_t id = planner_.Add(n, &done);
    Waiting& w = waiting_[id];
    w.callback = std::move(cb);
    w.n = n;
    w.timer = std::make_unique<asio::steady_timer>(io_, timeout);
    w.timer->async_wait([weak = weak_from_this(), id](const error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->TimedOut(id);
    });
    if (state_ == State::kClosed) Connect();
    Pump();
    Complete(std::move(done));
  }

  void Close(const std::string& why) {
    error_code ignored;
    socket_.close(ignored);
    // A new lifetime token: handlers of the old socket's operations now ignore themselves.
    connection_ = std::make_shared<ConnectionToken>();
    state_ = State::kClosed;
    writing_ = false;
    queued_.clear();
    std::vector<uint64_t> ids = planner_.Reset();
    for (uint64_t id : ids) Finish(id, Result{false, false, {}, 0, why});
  }

 private:
  enum class State { kClosed, kConnecting, kOpen };
  struct Waiting {
    Callback callback;
    size_t n = 0;
    std::unique_ptr<asio::steady_timer> timer;
  };
  using Socket = asio::generic::stream_protocol::socket;

  void Connect() {
    state_ = State::kConnecting;
    ++connects_;
    asio::generic::stream_protocol::endpoint ep;
    if (endpoint_.is_unix) {
      ep = asio::local::stream_protocol::endpoint(endpoint_.path);
    } else {
      error_code ec;
      auto address = asio::ip::make_address(endpoint_.host, ec);
      ep = asio::ip::tcp::endpoint(address, endpoint_.port);
    }
    socket_.async_connect(ep, [self = shared_from_this(), token = Token()](const error_code& ec) {
      if (!token.expired()) self->OnConnect(ec);
    });
  }

  void OnConnect(const error_code& ec) {
    if (ec) {
      Close("cannot connect to " + endpoint_.text + ": " + ec.message());
      return;
    }
    state_ = State::kOpen;
    if (!endpoint_.is_unix) {
      int one = 1;
      ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    DoRead();
    Flush();
  }

  void DoRead() {
    socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this(), token = Token()](
                                                    const error_code& ec, size_t n) {
      if (!token.expired()) self->OnRead(ec, n);
    });
  }

  void OnRead(const error_code& ec, size_t n) {
    if (ec) {
      Close(ec == asio::error::eof ? "egdd closed the EGD connection " + endpoint_.text
                                   : "EGD connection " + endpoint_.text + ": " + ec.message());
      return;
    }
    std::vector<ReadPlanner::Done> done;
    planner_.OnBytes(std::span<const uint8_t>(buf_.data(), n), &done);
    Wipe(buf_.data(), n);
    Pump();
    DoRead();
    Complete(std::move(done));
  }

  // Queues the requests the planner asks for and writes them when open: after
  // the handlers already due have run, so that the reads of many HTTP requests
  // that arrived together leave in one write (and come back in few reads).
  void Pump() {
    for (uint8_t count : planner_.Plan(max_outstanding_)) {
      EncodeRequest(Request{Command::kReadBlocking, count, 0}, &queued_);
    }
    if (flush_posted_ || queued_.empty()) return;
    flush_posted_ = true;
    asio::post(io_, [self = shared_from_this(), token = Token()] {
      self->flush_posted_ = false;
      if (!token.expired()) self->Flush();
    });
  }

  void Flush() {
    if (state_ != State::kOpen || writing_ || queued_.empty()) return;
    writing_ = true;
    in_flight_.swap(queued_);
    queued_.clear();
    asio::async_write(socket_, asio::buffer(in_flight_),
                      [self = shared_from_this(), token = Token()](const error_code& ec, size_t) {
                        if (!token.expired()) self->OnWrite(ec);
                      });
  }

  void OnWrite(const error_code& ec) {
    writing_ = false;
    in_flight_.clear();
    if (ec) {
      Close("EGD connection " + endpoint_.text + ": " + ec.message());
      return;
    }
    Flush();
  }

  void TimedOut(uint64_t id) {
    auto it = waiting_.find(id);
    if (it == waiting_.end()) return;
    size_t got = planner_.received(id);
    std::vector<ReadPlanner::Done> done;
    planner_.Cancel(id, &done);
    Finish(id, Result{false, true, {}, got, "timed out"});
    Complete(std::move(done));
  }

  void Complete(std::vector<ReadPlanner::Done> done) {
    for (ReadPlanner::Done& d : done) Finish(d.id, Result{true, false, std::move(d.bytes), 0, ""});
  }

  // Runs a read's callback later, on the io_context (never re-entrantly).
  void Finish(uint64_t id, Result result) {
    auto it = waiting_.find(id);
    if (it == waiting_.end()) return;
    Callback cb = std::move(it->second.callback);
    waiting_.erase(it);
    asio::post(io_, [cb = std::move(cb), r = std::move(result)]() mutable { cb(std::move(r)); });
  }

  asio::io_context& io_;
  const EgdEndpoint endpoint_;
  const size_t max_outstanding_;
  Socket socket_;
  State state_ = State::kClosed;
  ReadPlanner planner_;
  std::map<uint64_t, Waiting> waiting_;
  std::vector<uint8_t> queued_;     // encoded requests not yet written
  std::vector<uint8_t> in_flight_;  // the write in progress
  bool writing_ = false;
  bool flush_posted_ = false;
  // The lifetime token of the current connection (replaced by Close): each
  // socket handler holds a weak_ptr to it and does nothing once it expired.
  struct ConnectionToken {};
  std::shared_ptr<ConnectionToken> connection_ = std::make_shared<ConnectionToken>();
  std::weak_ptr<ConnectionToken> Token() const { return connection_; }
  uint64_t connects_ = 0;
  SecureBytes buf_ = SecureBytes(16384);  // bytes from egdd: secure memory
};

EgdClient::EgdClient(asio::io_context& io, EgdEndpoint endpoint, size_t connections,
                     size_t max_outstanding)
    : io_(io) {
  for (size_t i = 0; i < std::max<size_t>(1, connections); ++i) {
    connections_.push_back(std::make_shared<Connection>(io, endpoint, max_outstanding));
  }
}

EgdClient::~EgdClient() { Stop(); }

void EgdClient::Read(size_t n, std::chrono::milliseconds timeout, Callback callback) {
  if (n == 0) {
    asio::post(io_, [cb = std::move(callback)]() { cb(Result{true, false, {}, 0, ""}); });
    return;
  }
  // Small reads share the first connection that is not busy with a large one
  // (their requests travel together); a large read goes where the least is
  // waiting, so it holds up no small ones behind it.
  auto it = std::find_if(connections_.begin(), connections_.end(),
                         [n](const auto& c) { return c->load() + n <= kShareBelow; });
  if (it == connections_.end()) {
    it = std::min_element(connections_.begin(), connections_.end(),
                          [](const auto& a, const auto& b) { return a->load() < b->load(); });
  }
  (*it)->Read(n, timeout, std::move(callback));
}

void EgdClient::Stop() {
  for (auto& c : connections_) c->Close("stopped");
}

uint64_t EgdClient::connects() const {
  uint64_t n = 0;
  for (const auto& c : connections_) n += c->connects();
  return n;
}

}  // namespace egd
