// SPDX-License-Identifier: Apache-2.0
#include "feed/feeder.h"

#include <sodium.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/secure_memory.h"
#include "feed/metrics.h"
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


// Kernels >= 5.18 hold entropy_avail at 256 once the CRNG is up.
bool ModernKernel() {
  utsname u{};
  int major = 0, minor = 0;
  return ::uname(&u) == 0 && std::sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
         (major > 5 || (major == 5 && minor >= 18));
}

void LogSettings(const Config& c) {
  std::ostringstream s;
  s << (c.servers.size() == 1 ? "server " : "servers ") << ServerList(c.servers);
  if (c.servers.size() > 1) {
    s << (c.mix > 1 ? ", mixing " + std::to_string(c.mix) + " per feed (BLAKE2b)"
                    : std::string(", one per feed (failover, in this order)"));
  }
  s << ", device " << c.device << ", seed " << c.schedule.seed_bytes
    << " bytes, reseed " << c.schedule.reseed_bytes << " bytes every "
    << Seconds(c.schedule.interval) << ", credit " << c.credit_bits_per_byte
    << " bits/byte until the CRNG is ready, reseed_crng " << ReseedModeName(c.reseed_crng)
    << ", read timeout " << Seconds(c.read_timeout) << ", backoff "
    << Seconds(c.schedule.backoff.initial) << " doubling to " << Seconds(c.schedule.backoff.max)
    << " (jitter " << c.schedule.backoff.jitter << ")";
  if (c.schedule.low_watermark_bits > 0) {
    s << ", watermark " << c.schedule.low_watermark_bits << " bits";
  }
  if (c.resume_check.count() > 0) {
    s << ", resume check every " << Seconds(c.resume_check) << " (jump > "
      << Seconds(c.resume_jump) << ")";
  }
  if (!c.metrics_file.empty()) s << ", metrics " << c.metrics_file;
  Log(LogLevel::kNotice, s.str());
  if (c.schedule.low_watermark_bits > 0 && ModernKernel()) {
    Log(LogLevel::kInfo, "Linux >= 5.18 keeps entropy_avail at 256 once seeded: the watermark ",
        c.schedule.low_watermark_bits <= 256 ? "will rarely trigger" : "triggers at every check",
        "; the interval is what schedules reseeds");
  }
}

}  // namespace

Feeder::Feeder(asio::io_context& io, Options options, Config config, RandomDevice& device,
               CrngProbe& probe, bool sys_admin_held)
    : io_(io),
      options_(std::move(options)),
      config_(std::move(config)),
      device_(device),
      probe_(probe),
      kernel_({config_.credit_bits_per_byte, config_.reseed_crng}, sys_admin_held, Clock::now()),
      resume_(config_.resume_jump),
      schedule_(config_.schedule, UniformRandom, Clock::now()),
      pool_(config_.servers.size(), config_.schedule.backoff, UniformRandom),
      timer_(io),
      tick_(io),
      notify_timer_(io),
      signals_(io, [this] { Reload(); }, [this] {
        Log(LogLevel::kNotice, fed_bytes_, " bytes fed in all (", StatusText(kernel_), ")");
        Stop(0);
      }) {}

void Feeder::NewClients() {
  clients_.clear();
  for (const egd::EgdEndpoint& server : config_.servers) {
    clients_.push_back(std::make_unique<egd::EgdClient>(io_, server, 1));
  }
  pool_ = HostPool(config_.servers.size(), config_.schedule.backoff, UniformRandom);
  mix_state_ = MixState();
}

void Feeder::StopClients() {
  for (auto& client : clients_) client->Stop();
}

void Feeder::Start() {
  NewClients();
  LogSettings(config_);
  StartKernelWatch();
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
  auto reading = std::make_shared<Reading>();
  reading->feed = feed;
  reading->hosts = pool_.Choose(config_.mix, now);
  reading->results.resize(reading->hosts.size());
  reading->pending = reading->hosts.size();
  reading_ = reading;
  for (size_t slot = 0; slot < reading->hosts.size(); ++slot) {
    const size_t i = reading->hosts[slot];
    egd::EgdClient& client = *clients_[i];
    uint64_t connects = client.connects();
    client.Read(feed.bytes, config_.read_timeout,
                [this, slot, weak = std::weak_ptr<Reading>(reading)](egd::EgdClient::Result r) {
                  // Locked: this feed is still the one the Feeder (alive) waits for.
                  std::shared_ptr<Reading> locked = weak.lock();
                  if (!locked || locked != reading_) return egd::WipeContents(r.bytes);
                  OnHostRead(locked, slot, std::move(r));
                });
    if (client.connects() > connects) {
      Log(LogLevel::kInfo, "connecting to ", config_.servers[i].text, " (",
          FeedReasonName(feed.reason), ", ", feed.bytes, " bytes)");
    }
  }
}

void Feeder::OnHostRead(const std::shared_ptr<Reading>& reading, size_t slot,
                        egd::EgdClient::Result result) {
  reading->results[slot] = std::move(result);
  if (--reading->pending == 0) OnReadsDone(reading);
}

void Feeder::OnReadsDone(const std::shared_ptr<Reading>& reading) {
  reading_.reset();  // done: nothing is in flight now
  std::vector<const egd::SecureBytes*> inputs;
  std::string from, missing;
  for (size_t slot = 0; slot < reading->hosts.size(); ++slot) {
    const size_t i = reading->hosts[slot];
    const egd::EgdClient::Result& r = reading->results[slot];
    if (r.ok) {
      if (pool_.failures(i) > 0) {
        Log(LogLevel::kNotice, config_.servers[i].text, " answers again (after ",
            pool_.failures(i), pool_.failures(i) == 1 ? " failure)" : " failures)");
      }
      pool_.Succeeded(i);
      inputs.push_back(&r.bytes);
      from += (from.empty() ? "" : " + ") + config_.servers[i].text;
    } else {
      OnHostFailure(i, r, reading->feed.bytes);
    }
  }
  for (size_t i = 0; i < config_.servers.size(); ++i) {
    if (std::find(reading->hosts.begin(), reading->hosts.end(), i) != reading->hosts.end() &&
        pool_.failures(i) == 0) {
      continue;
    }
    missing += (missing.empty() ? "" : ", ") + config_.servers[i].text +
               (pool_.failures(i) > 0 ? " failing" : " not chosen");
  }
  if (inputs.empty()) {
    OnFailure(reading->feed.bytes);
  } else {
    const MixOutcome outcome{config_.mix, inputs.size()};
    if (std::optional<std::string> line = mix_state_.Update(outcome, missing)) {
      Log(outcome.full() ? LogLevel::kNotice : LogLevel::kWarning, *line);
    }
    egd::SecureBytes bytes = config_.mix > 1 ? MixInputs(inputs) : *inputs[0];
    Feed(reading->feed, &bytes, from, outcome.full());
  }
  for (egd::EgdClient::Result& r : reading->results) egd::WipeContents(r.bytes);
  NotifyReady();  // the first attempt is over, fed or not
  Wake();
}

void Feeder::OnHostFailure(size_t i, const egd::EgdClient::Result& result, size_t wanted) {
  const std::string& host = config_.servers[i].text;
  std::chrono::milliseconds delay = pool_.Failed(i, Clock::now());
  clients_[i]->Stop();  // the next attempt opens a fresh connection
  // One server: every failure is a warning, as it stops the feeding. Several:
  // the first failure of an outage is, the retries that follow are debug, so a
  // host down for a day does not flood the log while the others feed.
  const bool several = config_.servers.size() > 1;
  LogLevel level = !several || pool_.failures(i) == 1 ? LogLevel::kWarning : LogLevel::kDebug;
  std::string next = several ? "; next try of this server in " + Seconds(delay) : "";
  if (result.timed_out) {
    Log(level, "no answer from ", host, " within ", Seconds(config_.read_timeout), " (",
        result.received, " of ", wanted, " bytes arrived, discarded): closing the connection",
        next);
  } else {
    Log(level, result.error, next);  // the error names the server
  }
}

void Feeder::OnFailure(size_t wanted) {
  if (options_.once) {
    Log(LogLevel::kError, "--once: feeding failed");
    Stop(1);
    return;
  }
  std::chrono::milliseconds delay = schedule_.Failed(Clock::now());
  Log(LogLevel::kInfo, config_.servers.size() > 1 ? "no server gave the " + std::to_string(wanted) +
      " bytes: " : std::string(), "retrying in ", Seconds(delay), " (", schedule_.failures(),
      schedule_.failures() == 1 ? " failure)" : " failures in a row)");
}

void Feeder::Feed(Schedule::Feed feed, egd::SecureBytes* bytes, const std::string& from,
                  bool full) {
  Probe();  // the plan follows the kernel's phase of this moment
  const size_t n = bytes->size();
  FeedPlan plan = kernel_.Plan(n);
  if (!full) {  // short of hosts: no single host may earn the kernel's trust
    plan.add_entropy = false;
    plan.credit_bits = 0;
  }
  egd::Status st = plan.add_entropy ? device_.AddEntropy(*bytes, plan.credit_bits)
                                    : device_.Mix(*bytes);
  egd::WipeContents(*bytes);
  bool reseeded = false;
  if (st.ok() && plan.reseed) {
    egd::Status reseed = device_.ReseedCrng();
    reseeded = reseed.ok();
    if (!reseeded) Log(LogLevel::kError, reseed.message());
  }
  const int failures = schedule_.failures();
  const TimePoint now = Clock::now();
  schedule_.Succeeded(now);
  if (!st.ok()) {
    Log(LogLevel::kError, st.message());
  } else {
    fed_bytes_ += n;
    kernel_.Fed(n, plan, reseeded);
    const char* how = config_.mix == 1 ? "" : full ? " (mixed)" : " (mixed, short of hosts)";
    LogFed(feed.reason, n, plan, reseeded, failures > 0, from + how);
    if (kernel_.WantsBootFeed()) schedule_.FeedNow(now, FeedReason::kBoot);
  }
  Publish();
  if (options_.once) Stop(st.ok() ? 0 : 1);
}

void Feeder::LogFed(FeedReason reason, size_t n, const FeedPlan& plan, bool reseeded,
                    bool resumed, const std::string& from) {
  LogLevel level = reason == FeedReason::kSeed || reason == FeedReason::kResume || resumed
                       ? LogLevel::kNotice
                   : reason == FeedReason::kBoot ? LogLevel::kInfo
                                                 : LogLevel::kDebug;
  Log(level, FeedReasonName(reason), ": fed ", n, " bytes from ", from, " to ",
      device_.path(), ", credited ", plan.credit_bits, " bits",
      plan.add_entropy ? " (RNDADDENTROPY)" : " (write)",
      reseeded ? ", CRNG reseeded (RNDRESEEDCRNG)" : "", resumed ? " (feeding resumed)" : "");
  if (plan.late && !logged_late_) {
    logged_late_ = true;
    Log(LogLevel::kNotice, "the CRNG is ready and egd-feed does not reseed it (",
        kernel_.sys_admin_held() ? "reseed_crng = no" : "no CAP_SYS_ADMIN",
        "): the bytes fed reach it at the kernel's next reseed, within 60 s");
  }
}

// The capability is decided at start: a reload may stop using CAP_SYS_ADMIN
// (and then drops it for good where capset is allowed) but cannot start.
void Feeder::ApplyCapability(Config* fresh) {
  if (fresh->credit_bits_per_byte > 0 && !kernel_.sys_admin_held()) {
    Log(LogLevel::kWarning, "reload: credit_bits_per_byte = ", fresh->credit_bits_per_byte,
        " takes effect at the next start (egd-feed holds no CAP_SYS_ADMIN, which crediting "
        "needs); feeding on without credit");
    fresh->credit_bits_per_byte = 0;
  }
  if (fresh->reseed_crng == ReseedMode::kYes && !kernel_.sys_admin_held()) {
    Log(LogLevel::kWarning, "reload: reseed_crng = yes takes effect at the next start "
        "(egd-feed holds no CAP_SYS_ADMIN, which RNDRESEEDCRNG needs)");
    fresh->reseed_crng = ReseedMode::kAuto;
  }
  kernel_.Reconfigure({fresh->credit_bits_per_byte, fresh->reseed_crng});
  std::ostringstream why;
  why << "reload: credit " << fresh->credit_bits_per_byte;
  if (fresh->reseed_crng != ReseedMode::kAuto) {
    why << ", reseed_crng " << ReseedModeName(fresh->reseed_crng);
  }
  ReviewCapability(why.str());
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
  ApplyCapability(&fresh);
  bool new_server = ServerList(fresh.servers) != ServerList(config_.servers) ||
                    fresh.mix != config_.mix;
  config_ = std::move(fresh);
  egd::SetLogLevel(*egd::ParseLogLevel(config_.log_level));
  TimePoint now = Clock::now();
  schedule_.Reconfigure(config_.schedule, now);
  resume_.set_threshold(config_.resume_jump);
  if (!options_.once) ArmTick();  // resume_check may have changed
  if (new_server) {
    reading_.reset();  // a read in flight on the old servers is dropped
    StopClients();
    NewClients();
    schedule_.Aborted(now);
  } else {
    pool_.Reconfigure(config_.schedule.backoff);
  }
  Log(LogLevel::kNotice, "configuration reloaded", new_server ? " (new server)" : "");
  LogSettings(config_);
  Publish();
  Wake();
}

void Feeder::Stop(int code) {
  stopping_ = true;
  exit_code_ = code;
  reading_.reset();
  timer_.cancel();
  tick_.cancel();
  notify_timer_.cancel();
  if (uevents_) uevents_->Stop();
  signals_.Cancel();
  StopClients();
}

namespace {

// Crediting (and reseeding with reseed_crng = yes) needs CAP_SYS_ADMIN, and it
// cannot be gained later: refuse to start.
egd::Status CheckCapability(const Options& o, const Config& c) {
  if (!KernelState::KeepSysAdminAtStart({c.credit_bits_per_byte, c.reseed_crng}) ||
      (CurrentCapabilities().permitted & (1ull << kCapSysAdmin))) {
    return egd::Status::Ok();
  }
  std::ostringstream s;
  if (c.credit_bits_per_byte > 0) {
    s << (o.bits_per_byte ? std::string("--bits-per-byte") : c.file + ": feed.credit_bits_per_byte")
      << " = " << c.credit_bits_per_byte << " needs CAP_SYS_ADMIN (ioctl RNDADDENTROPY)";
  } else {
    s << (o.reseed ? std::string("--reseed") : c.file + ": feed.reseed_crng")
      << " = yes needs CAP_SYS_ADMIN (ioctl RNDRESEEDCRNG)";
  }
  s << ", which egd-feed was not given: grant it (systemd: the drop-in "
       "/usr/share/doc/egd-feed/credit.conf; or start as root, with --user) or set "
    << (c.credit_bits_per_byte > 0 ? "the credit to 0 to mix the bytes in without credit"
                                   : "reseed_crng to auto or no");
  return egd::Status::Error(s.str());
}

void LogPrivileges(const Config& c, bool keep) {
  std::string uid = "uid " + std::to_string(::getuid());
  std::string who = c.user.empty() ? uid + " " : c.user + " (" + uid + ") ";
  const bool credit = c.credit_bits_per_byte > 0;
  const bool reseed = c.reseed_crng == ReseedMode::kYes ||
                      (c.reseed_crng == ReseedMode::kAuto && credit);
  if (!keep) {
    Log(LogLevel::kInfo, "running as ", who, "with no capability: bytes are mixed in with "
        "write(2), credited nothing");
  } else if (credit) {
    Log(LogLevel::kInfo, "running as ", who, "with CAP_SYS_ADMIN only (RNDADDENTROPY credits "
        "until the CRNG is ready", reseed ? ", RNDRESEEDCRNG after each feed once it is)"
                                          : "; dropped once it is)");
  } else {
    Log(LogLevel::kInfo, "running as ", who, "with CAP_SYS_ADMIN only (RNDRESEEDCRNG after each "
        "feed once the CRNG is ready; no credit)");
  }
  if (c.user.empty() && ::geteuid() == 0) {
    Log(LogLevel::kInfo, "running as root; --user or systemd's User= would switch to a system user");
  }
}

}  // namespace

int RunFeeder(const Options& options, const Config& config) {
  const bool keep =
      KernelState::KeepSysAdminAtStart({config.credit_bits_per_byte, config.reseed_crng});
  std::unique_ptr<RandomDevice> device;
  egd::Status st = CheckCapability(options, config);
  if (st.ok()) st = RandomDevice::Open(config.device, &device);
  if (st.ok()) {
    st = RestrictPrivileges(config.user, keep ? KeepCapability::kSysAdmin : KeepCapability::kNone);
  }
  if (!st.ok()) {
    Log(LogLevel::kError, st.message());
    return 1;
  }
  LogPrivileges(config, keep);
  asio::io_context io(1);
  GetrandomProbe probe;
  Feeder feeder(io, options, config, *device, probe, keep);
  feeder.Start();
  io.run();
  Log(LogLevel::kNotice, "stopped");
  return feeder.exit_code();
}

}  // namespace feed
