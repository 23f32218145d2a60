#include "feed/feeder.h"

#include <sodium.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <sstream>

#include "common/log.h"
#include "feed/privileges.h"

namespace feed {
namespace {

namespace asio = boost::asio;
using egd::Log;
using egd::LogLevel;

double UniformRandom() { return randombytes_uniform(1u << 24) / static_cast<double>(1u << 24); }

std::string Seconds(std::chrono::milliseconds ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(ms.count()) / 1000.0);
  return text;
}

std::unique_ptr<egd::EgdClient> NewClient(asio::io_context& io, const Config& c) {
  return std::make_unique<egd::EgdClient>(io, c.server, 1);
}

// Kernels >= 5.18 hold entropy_avail at 256 once the CRNG is up.
bool ModernKernel() {
  utsname u{};
  int major = 0, minor = 0;
  return ::uname(&u) == 0 && std::sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
         (major > 5 || (major == 5 && minor >= 18));
}

void LogSettings(const Config& c) {
  std::ostringstream s;
  s << "server " << c.server.text << ", device " << c.device << ", seed " << c.schedule.seed_bytes
    << " bytes, reseed " << c.schedule.reseed_bytes << " bytes every "
    << Seconds(c.schedule.interval) << ", credit " << c.credit_bits_per_byte
    << " bits/byte, read timeout " << Seconds(c.read_timeout) << ", backoff "
    << Seconds(c.schedule.backoff.initial) << " doubling to " << Seconds(c.schedule.backoff.max)
    << " (jitter " << c.schedule.backoff.jitter << ")";
  if (c.schedule.low_watermark_bits > 0) {
    s << ", watermark " << c.schedule.low_watermark_bits << " bits";
  }
  Log(LogLevel::kNotice, s.str());
  if (c.schedule.low_watermark_bits > 0 && ModernKernel()) {
    Log(LogLevel::kInfo, "Linux >= 5.18 keeps entropy_avail at 256 once seeded: the watermark ",
        c.schedule.low_watermark_bits <= 256 ? "will rarely trigger" : "triggers at every check",
        "; the interval is what schedules reseeds");
  }
}

}  // namespace

Feeder::Feeder(asio::io_context& io, Options options, Config config, RandomDevice& device)
    : io_(io),
      options_(std::move(options)),
      config_(std::move(config)),
      device_(device),
      schedule_(config_.schedule, UniformRandom, Clock::now()),
      client_(NewClient(io, config_)),
      timer_(io),
      signals_(io, SIGINT, SIGTERM, SIGHUP) {}

void Feeder::Start() {
  LogSettings(config_);
  WaitSignal();
  Wake();
}

void Feeder::WaitSignal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      Reload();
      WaitSignal();
      return;
    }
    Log(LogLevel::kNotice, "signal ", sig, ": stopping (", fed_bytes_, " bytes fed in all)");
    Stop(0);
  });
}

void Feeder::Wake() {
  if (stopping_) return;
  TimePoint now = Clock::now();
  if (schedule_.WatermarkCheckDue(now)) {
    std::optional<uint32_t> bits = ReadEntropyAvail();
    if (!bits) Log(LogLevel::kDebug, "cannot read entropy_avail");
    if (schedule_.EntropyAvail(now, bits)) {
      Log(LogLevel::kInfo, "entropy_avail ", *bits, " is below the watermark (",
          config_.schedule.low_watermark_bits, "): reseeding now");
    }
  }
  if (schedule_.FeedDue(now)) StartFeed(now);
  Arm();
}

void Feeder::Arm() {
  TimePoint wake = schedule_.NextWake();
  if (wake == TimePoint::max()) {
    timer_.cancel();  // the read in flight wakes us
    return;
  }
  timer_.expires_at(wake);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Wake();
  });
}

void Feeder::StartFeed(TimePoint now) {
  Schedule::Feed feed = schedule_.StartFeed(now);
  uint64_t seq = ++read_seq_;
  uint64_t connects = client_->connects();
  client_->Read(feed.bytes, config_.read_timeout, [this, seq, feed](egd::EgdClient::Result r) {
    OnRead(seq, feed, std::move(r));
  });
  if (client_->connects() > connects) {
    Log(LogLevel::kInfo, "connecting to ", config_.server.text, " (", FeedReasonName(feed.reason),
        ", ", feed.bytes, " bytes)");
  }
}

void Feeder::OnRead(uint64_t seq, Schedule::Feed feed, egd::EgdClient::Result result) {
  if (stopping_ || seq != read_seq_) {
    if (!result.bytes.empty()) sodium_memzero(result.bytes.data(), result.bytes.size());
    return;
  }
  if (result.ok) {
    Feed(feed, &result.bytes);
  } else {
    OnFailure(result, feed.bytes);
  }
  Wake();
}

void Feeder::OnFailure(const egd::EgdClient::Result& result, size_t wanted) {
  if (result.timed_out) {
    Log(LogLevel::kWarning, "no answer from ", config_.server.text, " within ",
        Seconds(config_.read_timeout), " (", result.received, " of ", wanted,
        " bytes arrived, discarded): closing the connection");
  } else {
    Log(LogLevel::kWarning, result.error);
  }
  client_->Stop();  // the next attempt opens a fresh connection
  if (options_.once) {
    Log(LogLevel::kError, "--once: feeding failed");
    Stop(1);
    return;
  }
  std::chrono::milliseconds delay = schedule_.Failed(Clock::now());
  Log(LogLevel::kInfo, "retrying in ", Seconds(delay), " (", schedule_.failures(),
      schedule_.failures() == 1 ? " failure)" : " failures in a row)");
}

void Feeder::Feed(Schedule::Feed feed, egd::SecureBytes* bytes) {
  int credit = CreditBits(bytes->size(), config_.credit_bits_per_byte);
  egd::Status st = device_.AddEntropy(*bytes, credit);
  size_t n = bytes->size();
  sodium_memzero(bytes->data(), n);
  int failures = schedule_.failures();
  schedule_.Succeeded(Clock::now());
  if (!st.ok()) {
    Log(LogLevel::kError, st.message());
  } else {
    fed_bytes_ += n;
    LogLevel level = feed.reason == FeedReason::kSeed || failures > 0 ? LogLevel::kNotice
                                                                       : LogLevel::kDebug;
    Log(level, FeedReasonName(feed.reason), ": fed ", n, " bytes from ", config_.server.text,
        " to ", device_.path(), ", credited ", credit, " bits",
        failures > 0 ? " (feeding resumed)" : "");
  }
  if (options_.once) Stop(st.ok() ? 0 : 1);
}

void Feeder::Reload() {
  Config fresh;
  egd::Status st = BuildConfig(options_, &fresh);
  if (!st.ok()) {
    Log(LogLevel::kError, "reload failed, keeping the running configuration: ", st.message());
    return;
  }
  if (fresh.user != config_.user || fresh.device != config_.device) {
    Log(LogLevel::kWarning, "reload: daemon.user and feed.device take effect at the next start");
    fresh.user = config_.user;
    fresh.device = config_.device;
  }
  bool new_server = fresh.server.text != config_.server.text;
  config_ = std::move(fresh);
  egd::SetLogLevel(*egd::ParseLogLevel(config_.log_level));
  TimePoint now = Clock::now();
  schedule_.Reconfigure(config_.schedule, now);
  if (new_server) {
    ++read_seq_;  // a read in flight on the old server is dropped
    client_->Stop();
    client_ = NewClient(io_, config_);
    schedule_.Aborted(now);
  }
  Log(LogLevel::kNotice, "configuration reloaded", new_server ? " (new server)" : "");
  LogSettings(config_);
  Wake();
}

void Feeder::Stop(int code) {
  stopping_ = true;
  exit_code_ = code;
  timer_.cancel();
  signals_.cancel();
  client_->Stop();
}

int RunFeeder(const Options& options, const Config& config) {
  std::unique_ptr<RandomDevice> device;
  egd::Status st = RandomDevice::Open(config.device, &device);
  if (st.ok() && !config.user.empty()) st = DropPrivileges(config.user);
  if (!st.ok()) {
    Log(LogLevel::kError, st.message());
    return 1;
  }
  if (!config.user.empty()) {
    Log(LogLevel::kInfo, "running as ", config.user, " (uid ", ::getuid(), ") with CAP_SYS_ADMIN only");
  } else if (::geteuid() == 0) {
    Log(LogLevel::kInfo, "running as root; --user or systemd's User= would drop the rest");
  }
  if (!HaveCapSysAdmin()) {
    Log(LogLevel::kWarning, "no CAP_SYS_ADMIN: RNDADDENTROPY will fail with EPERM");
  }
  asio::io_context io(1);
  Feeder feeder(io, options, config, *device);
  feeder.Start();
  io.run();
  Log(LogLevel::kNotice, "stopped");
  return feeder.exit_code();
}

}  // namespace feed
