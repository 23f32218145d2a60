#include "egdd/serial_source.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "common/log.h"

namespace egdd {

using egd::Log;
using egd::LogLevel;
namespace asio = boost::asio;

SerialSource::SerialSource(asio::io_context& io, SerialConfig config, SourceCallbacks callbacks)
    : io_(io), config_(std::move(config)), callbacks_(std::move(callbacks)), port_(io),
      watchdog_(io), wire_(egd::MakeSecure<Wire>()) {}

SerialSource::~SerialSource() { Close(); }

std::string SerialSource::description() const {
  return "wind-tunnel TRNG on " + config_.port + " at " + std::to_string(config_.baud_rate) +
         " baud";
}

egd::Status SerialSource::Open() {
  Close();
  boost::system::error_code ec;
  port_.open(config_.port, ec);
  using Port = asio::serial_port;
  if (!ec) port_.set_option(Port::baud_rate(config_.baud_rate), ec);
  if (!ec) port_.set_option(Port::character_size(8), ec);
  if (!ec) port_.set_option(Port::parity(Port::parity::none), ec);
  if (!ec) port_.set_option(Port::stop_bits(Port::stop_bits::one), ec);
  if (!ec) port_.set_option(Port::flow_control(Port::flow_control::none), ec);
  if (ec) {
    boost::system::error_code ignored;
    port_.close(ignored);
    return egd::Status::Error(config_.port + ": " + ec.message());
  }
  wire_->decoder.Reset();  // the device numbers frames from 0 after "on"
  buffered_.Clear();
  open_sent_ = false;
  if (!Send("on")) return egd::Status::Error(config_.port + ": cannot send \"on\"");
  last_heard_ = std::chrono::steady_clock::now();
  ReadSome();
  ArmWatchdog();
  return egd::Status::Ok();
}

bool SerialSource::Send(std::string_view command) {
  std::string line = std::string(command) + "\n";
  boost::system::error_code ec;
  asio::write(port_, asio::buffer(line), ec);  // a few bytes: the tty buffer takes them at once
  if (ec) Log(LogLevel::kWarning, config_.port, ": sending \"", command, "\": ", ec.message());
  return !ec;
}

void SerialSource::Close() {
  ++generation_;
  wanted_.reset();
  watchdog_.cancel();
  if (!port_.is_open()) return;
  Send("off");  // best effort: the device may already be gone
  boost::system::error_code ignored;
  port_.cancel(ignored);
  port_.close(ignored);
  wire_->decoder.Reset();
  egd::WipeContents(wire_->read_buf);
  buffered_.Clear();  // payload of a powered-off session is never served later
}

void SerialSource::ReadSome() {
  port_.async_read_some(asio::buffer(wire_->read_buf), [this, gen = generation_](
                                                     const boost::system::error_code& ec,
                                                     size_t n) {
    if (gen != generation_) return;
    if (ec) return Lost(config_.port + ": " + (ec == asio::error::eof ? "end of file"
                                                                        : ec.message()));
    wire_->decoder.Feed(wire_->read_buf.data(), n, *this);
    egd::Wipe(wire_->read_buf.data(), n);
    Deliver();
    ReadSome();
  });
}

void SerialSource::OnData(uint16_t, uint32_t lost_before, const uint8_t* data, size_t n) {
  last_heard_ = std::chrono::steady_clock::now();
  if (lost_before) Log(LogLevel::kDebug, config_.port, ": ", lost_before, " frame(s) lost");
  size_t room = kMaxBuffered - std::min(kMaxBuffered, buffered_.size());
  size_t keep = std::min(room, n);
  buffered_.Push({data, keep});
  overflow_bytes_ += n - keep;
}

void SerialSource::OnLine(std::string_view text) {
  last_heard_ = std::chrono::steady_clock::now();
  last_line_ = std::string(text);
  Log(LogLevel::kDebug, config_.port, ": device says \"", text, "\"");
  if (text.substr(0, 5) == "boot " && open_sent_) {
    // The device reset (power glitch, DTR toggled on open): it boots switched
    // off and numbers frames from 0 again.
    Log(LogLevel::kNotice, config_.port, ": device reset; switching it on again");
    ++device_resets_;
    wire_->decoder.ResetSequence();
    Send("on");
  }
  if (text == "ok on") open_sent_ = true;
}

void SerialSource::Read(size_t max) {
  wanted_ = max;
  Deliver();
}

void SerialSource::Deliver() {
  if (!wanted_ || buffered_.empty()) return;
  egd::SecureBytes out;
  buffered_.Pop(*wanted_, &out);
  wanted_.reset();
  // Post, as the other sources do: the callback never runs inside Read().
  asio::post(io_, [this, gen = generation_, out = std::move(out)] {
    if (gen == generation_) callbacks_.on_data(out);
  });
}

// At the real device's 60 bit/s a frame comes only every ~4 s, so silence is
// probed: after kProbeAfter without a frame or line, "status" is sent (it is
// answered at once); after kSilenceLimit the device counts as lost.
void SerialSource::ArmWatchdog() {
  watchdog_.expires_after(std::chrono::seconds(1));
  watchdog_.async_wait([this, gen = generation_](const boost::system::error_code& ec) {
    if (ec || gen != generation_) return;
    auto quiet = std::chrono::steady_clock::now() - last_heard_;
    if (quiet > kSilenceLimit) {
      return Lost(config_.port + ": no answer from the device for " +
                  std::to_string(kSilenceLimit.count()) + " s");
    }
    if (quiet > kProbeAfter) Send("status");
    ArmWatchdog();
  });
}

void SerialSource::Lost(const std::string& why) {
  ++generation_;
  watchdog_.cancel();
  boost::system::error_code ignored;
  port_.close(ignored);
  wire_->decoder.Reset();
  buffered_.Clear();
  wanted_.reset();
  // The daemon learns of it on the io_context, like every other source event,
  // unless it closed the source in the meantime.
  asio::post(io_, [this, why, gen = generation_] {
    if (gen == generation_) callbacks_.on_event(SourceEvent::kLost, why);
  });
}

nlohmann::json SerialSource::Stats() const {
  const trng::DecoderStats& s = wire_->decoder.stats();
  return {{"frames", s.frames},          {"payload_bytes", s.payload_bytes},
          {"skipped_bytes", s.skipped_bytes}, {"crc_errors", s.crc_errors},
          {"bad_lines", s.bad_lines},    {"lost_frames", s.lost_frames},
          {"seq_gaps", s.seq_gaps},      {"overflow_bytes", overflow_bytes_},
          {"device_resets", device_resets_},
          {"last_line", last_line_}};
}

}  // namespace egdd
