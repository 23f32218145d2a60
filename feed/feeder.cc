// SPDX-License-Identifier: Apache-2.0
#include "feed/feeder.h"

#include <sodium.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/secure_memory.h"
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

Feeder::Feeder(asio::io_context& io, Options options, Config config, RandomDevice& device,
               bool can_credit)
    : io_(io),
      options_(std::move(options)),
      config_(std::move(config)),
      device_(device),
      can_credit_(can_credit),
      schedule_(config_.schedule, UniformRandom, Clock::now()),
      client_(NewClient(io, config_)),
      timer_(io),
      signals_(io, [this] { Reload(); }, [this] {
        Log(LogLevel::kNotice, fed_bytes_, " bytes fed in all");
        Stop(0);
      }) {}

void Feeder::Start() {
  LogSettings(config_);
  Wake();
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
  reading_ = std::make_shared<Reading>(Reading{feed});
  uint64_t connects = client_->connects();
  client_->Read(feed.bytes, config_.read_timeout,
                [this, weak = std::weak_ptr<Reading>(reading_)](egd::EgdClient::Result r) {
                  // Locked: this read is still the one the Feeder (alive) waits for.
                  std::shared_ptr<Reading> reading = weak.lock();
                  if (!reading) return egd::WipeContents(r.bytes);
                  OnRead(*reading, std::move(r));
                });
  if (client_->connects() > connects) {
    Log(LogLevel::kInfo, "connecting to ", config_.server.text, " (", FeedReasonName(feed.reason),
        ", ", feed.bytes, " bytes)");
  }
}

void Feeder::OnRead(const Reading& reading, egd::EgdClient::Result result) {
  Schedule::Feed feed = reading.feed;
  reading_.reset();  // done: nothing is in flight now
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
  // Crediting is decided at start (CAP_SYS_ADMIN kept or not) and Reload keeps
  // the credit at 0 once the capability is gone.
  const bool credit = config_.credit_bits_per_byte > 0;
  int bits = CreditBits(bytes->size(), config_.credit_bits_per_byte);
  egd::Status st = credit ? device_.AddEntropy(*bytes, bits) : device_.Mix(*bytes);
  size_t n = bytes->size();
  egd::WipeContents(*bytes);
  int failures = schedule_.failures();
  schedule_.Succeeded(Clock::now());
  if (!st.ok()) {
    Log(LogLevel::kError, st.message());
  } else {
    fed_bytes_ += n;
    LogLevel level = feed.reason == FeedReason::kSeed || failures > 0 ? LogLevel::kNotice
                                                                       : LogLevel::kDebug;
    Log(level, FeedReasonName(feed.reason), ": fed ", n, " bytes from ", config_.server.text,
        " to ", device_.path(), ", credited ", bits, " bits",
        credit ? " (RNDADDENTROPY)" : " (write)", failures > 0 ? " (feeding resumed)" : "");
  }
  if (options_.once) Stop(st.ok() ? 0 : 1);
}

// The capability is decided at start: a reload may stop crediting (and then
// drops CAP_SYS_ADMIN for good where capset is allowed) but cannot start it.
void Feeder::ApplyCredit(Config* fresh) {
  if (fresh->credit_bits_per_byte > 0 && !can_credit_) {
    Log(LogLevel::kWarning, "reload: credit_bits_per_byte = ", fresh->credit_bits_per_byte,
        " takes effect at the next start (egd-feed holds no CAP_SYS_ADMIN, which crediting "
        "needs); feeding on without credit");
    fresh->credit_bits_per_byte = 0;
  }
  if (fresh->credit_bits_per_byte > 0 || !can_credit_) return;
  egd::Status st = DropAllCapabilities();
  if (!st.ok()) {
    // Under systemd the unit's SystemCallFilter denies capset: the service's
    // capabilities are the unit's business (remove the credit drop-in).
    Log(LogLevel::kWarning, "reload: credit 0: bytes are mixed in with write(2), but "
        "CAP_SYS_ADMIN stays until the next start (", st.message(), ")");
    return;
  }
  can_credit_ = false;
  Log(LogLevel::kNotice, "reload: credit 0: CAP_SYS_ADMIN dropped, bytes are mixed in with "
      "write(2); crediting again needs a restart");
}

void Feeder::Reload() {
  // Prepare: nothing changes unless the file and the overrides build.
  Config fresh;
  egd::Status st = BuildConfig(options_, &fresh);
  if (!st.ok()) {
    Log(LogLevel::kError, "reload failed, keeping the running configuration: ", st.message());
    return;
  }
  std::vector<std::string> kept;
  ConfigSchema().KeepRestartOnly(config_, &fresh, &kept);
  // Commit: none of this can fail.
  egd::LogRestartOnly(kept);
  ApplyCredit(&fresh);
  bool new_server = fresh.server.text != config_.server.text;
  config_ = std::move(fresh);
  egd::SetLogLevel(*egd::ParseLogLevel(config_.log_level));
  TimePoint now = Clock::now();
  schedule_.Reconfigure(config_.schedule, now);
  if (new_server) {
    reading_.reset();  // a read in flight on the old server is dropped
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
  reading_.reset();
  timer_.cancel();
  signals_.Cancel();
  client_->Stop();
}

namespace {

// Crediting needs CAP_SYS_ADMIN, and it cannot be gained later: refuse to start.
egd::Status CheckCanCredit(const Options& o, const Config& c) {
  if (c.credit_bits_per_byte <= 0 || (CurrentCapabilities().permitted & (1ull << kCapSysAdmin))) {
    return egd::Status::Ok();
  }
  std::ostringstream s;
  s << (o.bits_per_byte ? std::string("--bits-per-byte") : c.file + ": feed.credit_bits_per_byte")
    << " = " << c.credit_bits_per_byte
    << " needs CAP_SYS_ADMIN (ioctl RNDADDENTROPY), which egd-feed was not given: grant it "
       "(systemd: the drop-in /usr/share/doc/egd-feed/credit.conf; or start as root, with "
       "--user) or set the credit to 0 to mix the bytes in without credit";
  return egd::Status::Error(s.str());
}

void LogPrivileges(const Config& c, bool credit) {
  std::string uid = "uid " + std::to_string(::getuid());
  std::string who = c.user.empty() ? uid + " " : c.user + " (" + uid + ") ";
  if (credit) {
    Log(LogLevel::kInfo, "running as ", who, "with CAP_SYS_ADMIN only (RNDADDENTROPY credits)");
  } else {
    Log(LogLevel::kInfo, "running as ", who, "with no capability: bytes are mixed in with "
        "write(2), credited nothing");
  }
  if (c.user.empty() && ::geteuid() == 0) {
    Log(LogLevel::kInfo, "running as root; --user or systemd's User= would switch to a system user");
  }
}

}  // namespace

int RunFeeder(const Options& options, const Config& config) {
  const bool credit = config.credit_bits_per_byte > 0;
  std::unique_ptr<RandomDevice> device;
  egd::Status st = CheckCanCredit(options, config);
  if (st.ok()) st = RandomDevice::Open(config.device, &device);
  if (st.ok()) {
    st = RestrictPrivileges(config.user,
                            credit ? KeepCapability::kSysAdmin : KeepCapability::kNone);
  }
  if (!st.ok()) {
    Log(LogLevel::kError, st.message());
    return 1;
  }
  LogPrivileges(config, credit);
  asio::io_context io(1);
  Feeder feeder(io, options, config, *device, credit);
  feeder.Start();
  io.run();
  Log(LogLevel::kNotice, "stopped");
  return feeder.exit_code();
}

}  // namespace feed
