#include "egdd/serial_source.h"

#include <array>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/asio/serial_port.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "common/log.h"
#include "common/secure_memory.h"
#include "egdd/byte_queue.h"

namespace egdd {

using egd::Log;
using egd::LogLevel;
namespace asio = boost::asio;

// One open of the port. Its handlers hold a weak_ptr to it: once the source
// drops it (Close, a new open, destruction), they return without touching it.
class SerialSource::Link final : public std::enable_shared_from_this<Link>,
                                 private trng::FrameSink {
 public:
  Link(asio::io_context& io, const SerialConfig& config, const SourceCallbacks& callbacks)
      : config_(config), callbacks_(callbacks), wire_(egd::MakeSecure<Wire>()), port_(io),
        watchdog_(io) {}
  ~Link() override { ClosePort(); }

  egd::Status Open();
  void Start();
  void Close();  // "off", then the port is closed
  void Read(size_t max);
  Counters counters() const {
    Counters c = counters_;
    c.decoder = wire_->decoder.stats();
    return c;
  }

 private:
  void OnData(uint16_t seq, uint32_t lost_before, const uint8_t* data, size_t n) override;
  void OnLine(std::string_view text) override;
  void ReadSome();
  void ArmWatchdog();
  void Lost(const std::string& why);
  void Deliver();
  bool Send(std::string_view command);
  void ClosePort();

  SerialConfig config_;
  SourceCallbacks callbacks_;
  struct Wire {  // raw bytes from the port
    std::array<uint8_t, 1024> read_buf{};
    trng::FrameDecoder decoder;
  };
  egd::SecureUnique<Wire> wire_;  // declared before port_: the port closes first
  asio::serial_port port_;
  asio::steady_timer watchdog_;
  ByteQueue buffered_;            // valid payload bytes in arrival order
  std::optional<size_t> wanted_;  // an outstanding Read(max)
  std::chrono::steady_clock::time_point last_heard_;  // last valid frame or line
  bool on_confirmed_ = false;     // the device answered "ok on"
  bool started_ = false;
  bool lost_ = false;
  Counters counters_;             // decoder stats come from the decoder
};

egd::Status SerialSource::Link::Open() {
  boost::system::error_code ec;
  port_.open(config_.port, ec);
  if (ec) return egd::Status::Error(config_.port + ": " + ec.message());
  return egd::Status::Ok();
}

void SerialSource::Link::Start() {
  started_ = true;
  boost::system::error_code ec;
  using Port = asio::serial_port;
  port_.set_option(Port::baud_rate(config_.baud_rate), ec);
  if (!ec) port_.set_option(Port::character_size(8), ec);
  if (!ec) port_.set_option(Port::parity(Port::parity::none), ec);
  if (!ec) port_.set_option(Port::stop_bits(Port::stop_bits::one), ec);
  if (!ec) port_.set_option(Port::flow_control(Port::flow_control::none), ec);
  if (ec) return Lost(config_.port + ": " + ec.message());
  if (!Send("on")) return Lost(config_.port + ": cannot send \"on\"");
  last_heard_ = std::chrono::steady_clock::now();
  ReadSome();
  ArmWatchdog();
}

bool SerialSource::Link::Send(std::string_view command) {
  std::string line = std::string(command) + "\n";
  boost::system::error_code ec;
  asio::write(port_, asio::buffer(line), ec);  // a few bytes: the tty buffer takes them at once
  if (ec) Log(LogLevel::kWarning, config_.port, ": sending \"", command, "\": ", ec.message());
  return !ec;
}

void SerialSource::Link::Close() {
  // Best effort: the device may already be gone. A port opened but never
  // started (a reload that failed later) was never switched on by us.
  if (started_ && port_.is_open() && !lost_) Send("off");
  ClosePort();
}

void SerialSource::Link::ClosePort() {
  wanted_.reset();
  watchdog_.cancel();
  boost::system::error_code ignored;
  port_.close(ignored);  // a pending read completes with operation_aborted, later
  wire_->decoder.Reset();
  egd::WipeContents(wire_->read_buf);
  buffered_.Clear();  // payload of a powered-off session is never served later
}

void SerialSource::Link::ReadSome() {
  port_.async_read_some(asio::buffer(wire_->read_buf), [weak = weak_from_this()](
                                                           const boost::system::error_code& ec,
                                                           size_t n) {
    auto self = weak.lock();
    if (!self || self->lost_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      return self->Lost(self->config_.port + ": " +
                        (ec == asio::error::eof ? "end of file" : ec.message()));
    }
    self->wire_->decoder.Feed(self->wire_->read_buf.data(), n, *self);
    egd::Wipe(self->wire_->read_buf.data(), n);
    self->Deliver();
    self->ReadSome();
  });
}

void SerialSource::Link::OnData(uint16_t, uint32_t lost_before, const uint8_t* data, size_t n) {
  last_heard_ = std::chrono::steady_clock::now();
  if (lost_before) Log(LogLevel::kDebug, config_.port, ": ", lost_before, " frame(s) lost");
  size_t room = kMaxBuffered - std::min(kMaxBuffered, buffered_.size());
  size_t keep = std::min(room, n);
  buffered_.Push({data, keep});
  counters_.overflow_bytes += n - keep;
}

void SerialSource::Link::OnLine(std::string_view text) {
  last_heard_ = std::chrono::steady_clock::now();
  counters_.last_line = std::string(text);
  Log(LogLevel::kDebug, config_.port, ": device says \"", text, "\"");
  if (text.substr(0, 5) == "boot " && on_confirmed_) {
    // The device reset (power glitch, DTR toggled on open): it boots switched
    // off and numbers frames from 0 again.
    Log(LogLevel::kNotice, config_.port, ": device reset; switching it on again");
    ++counters_.device_resets;
    wire_->decoder.ResetSequence();
    Send("on");
  }
  if (text == "ok on") on_confirmed_ = true;
}

void SerialSource::Link::Read(size_t max) {
  if (lost_) return;
  wanted_ = max;
  Deliver();
}

void SerialSource::Link::Deliver() {
  if (!wanted_ || buffered_.empty()) return;
  egd::SecureBytes out;
  buffered_.Pop(*wanted_, &out);
  wanted_.reset();
  // Posted, as every source does: the callback never runs inside Read().
  asio::post(port_.get_executor(), [weak = weak_from_this(), out = std::move(out)] {
    if (auto self = weak.lock()) self->callbacks_.on_data(out);
  });
}

// At the real device's 60 bit/s a frame comes only every ~4 s, so silence is
// probed: after kProbeAfter without a frame or line, "status" is sent (it is
// answered at once); after kSilenceLimit the device counts as lost.
void SerialSource::Link::ArmWatchdog() {
  watchdog_.expires_after(std::chrono::seconds(1));
  watchdog_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec || self->lost_) return;
    auto quiet = std::chrono::steady_clock::now() - self->last_heard_;
    if (quiet > kSilenceLimit) {
      return self->Lost(self->config_.port + ": no answer from the device for " +
                        std::to_string(kSilenceLimit.count()) + " s");
    }
    if (quiet > kProbeAfter) self->Send("status");
    self->ArmWatchdog();
  });
}

// The daemon learns of it on the io_context, like every other source event,
// unless it closed the source in the meantime (then this Link is gone).
void SerialSource::Link::Lost(const std::string& why) {
  lost_ = true;
  ClosePort();
  asio::post(port_.get_executor(), [weak = weak_from_this(), why] {
    if (auto self = weak.lock()) self->callbacks_.on_event(SourceEvent::kLost, why);
  });
}

namespace {

void Add(const trng::DecoderStats& s, trng::DecoderStats* to) {
  to->frames += s.frames;
  to->payload_bytes += s.payload_bytes;
  to->lines += s.lines;
  to->skipped_bytes += s.skipped_bytes;
  to->crc_errors += s.crc_errors;
  to->bad_lines += s.bad_lines;
  to->seq_gaps += s.seq_gaps;
  to->lost_frames += s.lost_frames;
  to->seq_restarts += s.seq_restarts;
}

}  // namespace

SerialSource::SerialSource(asio::io_context& io, SerialConfig config, SourceCallbacks callbacks)
    : io_(io), config_(std::move(config)), callbacks_(std::move(callbacks)) {}

SerialSource::~SerialSource() { Close(); }

std::string SerialSource::description() const {
  return "wind-tunnel TRNG on " + config_.port + " at " + std::to_string(config_.baud_rate) +
         " baud";
}

egd::Status SerialSource::Open() {
  Close();
  auto link = std::make_shared<Link>(io_, config_, callbacks_);
  if (egd::Status st = link->Open(); !st.ok()) return st;
  link_ = std::move(link);
  return egd::Status::Ok();
}

void SerialSource::Start() {
  if (link_) link_->Start();
}

void SerialSource::Close() {
  if (!link_) return;
  link_->Close();
  Counters c = link_->counters();
  Add(c.decoder, &done_.decoder);
  done_.overflow_bytes += c.overflow_bytes;
  done_.device_resets += c.device_resets;
  if (!c.last_line.empty()) done_.last_line = c.last_line;
  link_.reset();
}

void SerialSource::Read(size_t max) {
  if (link_) link_->Read(max);
}

nlohmann::json SerialSource::Stats() const {
  Counters c = done_;
  if (link_) {
    Counters now = link_->counters();
    Add(now.decoder, &c.decoder);
    c.overflow_bytes += now.overflow_bytes;
    c.device_resets += now.device_resets;
    if (!now.last_line.empty()) c.last_line = now.last_line;
  }
  const trng::DecoderStats& s = c.decoder;
  return {{"frames", s.frames},          {"payload_bytes", s.payload_bytes},
          {"skipped_bytes", s.skipped_bytes}, {"crc_errors", s.crc_errors},
          {"bad_lines", s.bad_lines},    {"lost_frames", s.lost_frames},
          {"seq_gaps", s.seq_gaps},      {"overflow_bytes", c.overflow_bytes},
          {"device_resets", c.device_resets},
          {"last_line", c.last_line}};
}

}  // namespace egdd
