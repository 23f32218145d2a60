#include "egdd/daemon.h"

#include <sys/resource.h>

#include "common/signal_loop.h"

namespace egdd {

using egd::Log;
using egd::LogLevel;
namespace asio = boost::asio;

struct Daemon::Next {
  Config config;
  std::optional<LogLevel> level;
  EgdServer::Next egd;
  std::shared_ptr<ControlServer> control;  // bound at a new path; null: the running one stays
  std::optional<unsigned> control_mode;    // a new mode for the running one
  Device::Next device;
  std::optional<egd::SecureBytes> ring;    // a pool of another size
};

namespace {

// Each client is a descriptor: the soft limit (1024 under systemd) would cap
// egdd near 1000 clients whatever max_clients says. egdd never uses select(),
// so the hard limit is safe.
void RaiseFileLimit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0) Log(LogLevel::kWarning, "cannot raise RLIMIT_NOFILE");
  }
}

}  // namespace

Daemon::Daemon(asio::io_context& io, Config config, SourceFactory sources)
    : io_(io),
      config_(std::move(config)),
      pool_(config_.pool.size_bytes),
      device_(Device::Create(io, pool_, std::move(sources))),
      egd_(io, pool_, [this] { return device_->EntropyBits(); }),
      replies_(*device_, pool_, egd_, config_),
      control_handler_(std::make_shared<const ControlServer::Handler>(
          [this](const std::string& command) { return replies_.Handle(command); })) {}

Daemon::~Daemon() { Terminate(); }

egd::Status Daemon::Start() {
  RaiseFileLimit();
  Next next;
  egd::Status st = Prepare(config_, &next);
  if (!st.ok()) return st;
  Commit(std::move(next));
  Warn(config_, true);
  if (config_.source.autostart) {
    device_->Init();
  } else {
    Log(LogLevel::kNotice, "device in standby: waiting for init (autostart = false)");
  }
  return egd::Status::Ok();
}

egd::Status Daemon::Reload() {
  if (stopping_) return egd::Status::Error("egdd is stopping");
  Config fresh;
  egd::Status st = LoadConfig(config_.file, &fresh);
  std::vector<std::string> kept;
  if (st.ok()) KeepRestartOnly(config_, &fresh, &kept);
  Next next;
  if (st.ok()) st = Prepare(fresh, &next);
  if (!st.ok()) {
    Log(LogLevel::kError, "reload failed, nothing changed: ", st.message());
    return st;
  }
  bool source_changed = next.device.source != nullptr;
  Commit(std::move(next));
  egd::LogRestartOnly(kept);
  Log(LogLevel::kNotice, "configuration reloaded from ", config_.file);
  Warn(config_, source_changed);
  return egd::Status::Ok();
}

egd::Status Daemon::Prepare(const Config& c, Next* out) {
  out->config = c;
  out->level = egd::ParseLogLevel(c.log.level);
  if (egd::Status st = egd_.Prepare(c, &out->egd); !st.ok()) return st;
  unsigned mode = 0660;
  ParseMode(c.control.mode, &mode);
  if (!control_ || c.control.socket != config_.control.socket) {
    egd::Status st = ControlServer::Open(io_, c.control.socket, mode, control_handler_, &out->control);
    if (!st.ok()) {
      return egd::Status::Error(AtKey(c, {"control.socket"}, "control.socket: " + st.message()));
    }
  } else if (c.control.mode != config_.control.mode) {
    out->control_mode = mode;
  }
  if (egd::Status st = device_->Prepare(config_, c, &out->device); !st.ok()) return st;
  if (c.pool.size_bytes != pool_.capacity()) out->ring.emplace(c.pool.size_bytes);
  return egd::Status::Ok();
}

void Daemon::Commit(Next next) {
  if (next.level) egd::SetLogLevel(*next.level);
  egd_.Commit(std::move(next.egd));
  if (next.control) {
    if (control_) control_->Stop();
    control_ = std::move(next.control);
    control_->Accept();
    Log(LogLevel::kInfo, "control socket on ", control_->path());
  } else if (next.control_mode && !control_->SetMode(*next.control_mode)) {
    Log(LogLevel::kWarning, "cannot set the mode of ", control_->path(), ": ",
        egd::ErrnoText("chmod"));
  }
  device_->Commit(std::move(next.device));
  config_ = std::move(next.config);
  if (next.ring) pool_.Resize(std::move(*next.ring));  // asks the device for bytes once
  device_->RequestRead();
}

void Daemon::Warn(const Config& c, bool source_changed) const {
  for (const egd::IpPrefix& p : c.egd.proxy_trusted_peers) {
    if (!p.CoversLoopback()) continue;
    Log(LogLevel::kWarning, "[egd] proxy_trusted_peers lists ", p.text, ", a loopback address: "
        "any local process can connect from it and claim any client address in a PROXY header "
        "(a proxy:unix: listener in a group-restricted directory avoids this)");
  }
  if (source_changed && c.source.kind == SourceKind::kFile && c.source.offset_file.empty()) {
    Log(LogLevel::kWarning, "[source] replay = true and offset_file is not set: if egdd "
        "restarts, the capture ", c.source.path, " is replayed from its start and its bytes "
        "are served again (for tests and demos only)");
  }
}

void Daemon::Terminate() {
  if (stopping_) return;
  stopping_ = true;
  device_->Stop();
  egd_.Stop();
  if (control_) control_->Stop();
}

}  // namespace egdd
