#include "egdd/daemon.h"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

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
  // Per source of the new configuration, in its order: a running device
  // (by name) and what it changes, or a new device and its lane's ring.
  struct Source {
    std::shared_ptr<Device> device;  // null: a new source
    Device::Next next;
    std::optional<egd::SecureBytes> ring;  // a new lane, or a running lane of another size
    bool is_new = false;
  };
  std::vector<Source> sources;
  std::vector<std::shared_ptr<Device>> removed;  // running sources the new file drops
  bool reload = false;  // a reload initialises the sources it adds (Start: all of them)
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
      factory_(std::move(sources)),
      pool_(config_.pool.size_bytes),
      devices_{NewDevice()},
      egd_(io, pool_, [this] { return EntropyBits(); }),
      replies_(devices_, pool_, egd_, config_, [this] { return EntropyBits(); }),
      control_handler_(std::make_shared<const ControlServer::Handler>(
          [this](const std::string& command) { return replies_.Handle(command); })) {}

Daemon::~Daemon() { Terminate(); }

egd::Status Daemon::Start() {
  RaiseFileLimit();
  devices_.front()->AttachLane(0);
  Next next;
  egd::Status st = Prepare(config_, &next);
  if (!st.ok()) return st;
  Commit(std::move(next));
  Warn(config_, true);
  for (size_t i = 0; i < devices_.size(); ++i) {
    if (config_.sources[i].source.autostart) {
      devices_[i]->Init();
    } else {
      Log(LogLevel::kNotice, devices_.size() > 1 ? "source " + devices_[i]->name() + ": " : "",
          "device in standby: waiting for init (autostart = false)");
    }
  }
  return egd::Status::Ok();
}

std::shared_ptr<Device> Daemon::NewDevice() {
  auto device = Device::Create(io_, pool_, factory_);
  device->set_on_state([this] { OnDeviceState(); });
  return device;
}

uint32_t Daemon::EntropyBits() const {
  double bits = 0;
  for (const auto& d : devices_) bits += d->EntropyBits();
  return static_cast<uint32_t>(std::min(bits, double{std::numeric_limits<uint32_t>::max()}));
}

// The daemon's own state changes are logged (degraded, and back).
void Daemon::OnDeviceState() {
  if (devices_.size() < 2) return;
  std::string state = replies_.DaemonState().first;
  if (state == last_state_) return;
  if (!last_state_.empty()) {
    Log(state == "degraded" ? LogLevel::kWarning : LogLevel::kNotice, "egdd state ", last_state_,
        " -> ", state, ": ", replies_.DaemonState().second);
  }
  last_state_ = state;
}

egd::Status Daemon::Reload() {
  if (stopping_) return egd::Status::Error("egdd is stopping");
  Config fresh;
  egd::Status st = LoadConfig(config_.file, &fresh);
  std::vector<std::string> kept;
  if (st.ok()) KeepRestartOnly(config_, &fresh, &kept);
  Next next;
  next.reload = true;
  if (st.ok()) st = Prepare(fresh, &next);
  if (!st.ok()) {
    Log(LogLevel::kError, "reload failed, nothing changed: ", st.message());
    return st;
  }
  bool source_changed = !next.removed.empty();
  for (const Next::Source& n : next.sources) source_changed |= n.is_new || n.next.source;
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
  return PrepareSources(c, out);
}

// Each source of `c` by name: a running device prepares its change; a new
// one gets a device (not yet started) and a ring for its lane.
egd::Status Daemon::PrepareSources(const Config& c, Next* out) {
  bool first = !devices_.front()->source();
  for (size_t i = 0; i < c.sources.size(); ++i) {
    Next::Source n;
    const std::string& name = c.sources[i].source.name;
    for (size_t j = 0; j < devices_.size(); ++j) {
      bool same = first ? j == 0 && i == 0 : config_.sources[j].source.name == name;
      if (!same) continue;
      n.device = devices_[j];
      if (egd::Status st = n.device->Prepare(first ? c : SourceView(config_, j), SourceView(c, i),
                                             &n.next);
          !st.ok()) {
        return st;
      }
      if (c.pool.size_bytes != pool_.capacity(n.device->lane())) n.ring.emplace(c.pool.size_bytes);
    }
    if (!n.device) {
      n.device = NewDevice();  // its lane is added at commit
      n.is_new = true;
      if (egd::Status st = n.device->Prepare(c, SourceView(c, i), &n.next); !st.ok()) return st;
      n.ring.emplace(c.pool.size_bytes);
    }
    out->sources.push_back(std::move(n));
  }
  for (const auto& d : devices_) {
    bool kept = std::any_of(out->sources.begin(), out->sources.end(),
                            [&](const Next::Source& n) { return n.device == d; });
    if (!kept) out->removed.push_back(d);
  }
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
  config_ = std::move(next.config);
  CommitSources(next);
}

void Daemon::CommitSources(Next& next) {
  for (const auto& d : next.removed) {
    Log(LogLevel::kNotice, "source ", d->name(), " removed by the reload: stopped, its bytes wiped");
    d->Stop();
    pool_.RemoveLane(d->lane());
  }
  std::vector<std::shared_ptr<Device>> devices;
  for (Next::Source& n : next.sources) {
    if (n.is_new) {
      n.device->AttachLane(pool_.AddLane(std::move(*n.ring)));
      n.ring.reset();
    }
    devices.push_back(n.device);
  }
  devices_ = std::move(devices);  // before any device acts: replies and state see the new set
  for (size_t i = 0; i < devices_.size(); ++i) {
    Device& d = *devices_[i];
    d.set_log_prefix(devices_.size() > 1 ? "source " + config_.sources[i].source.name + ": " : "");
    d.Commit(std::move(next.sources[i].next));
    if (next.sources[i].ring) pool_.Resize(std::move(*next.sources[i].ring), d.lane());
    if (next.sources[i].is_new && next.reload && config_.sources[i].source.autostart) {
      Log(LogLevel::kNotice, "source ", d.name(), " added by the reload");
      d.Init();
    }
    d.RequestRead();
  }
}

void Daemon::Warn(const Config& c, bool source_changed) const {
  for (const egd::IpPrefix& p : c.egd.proxy_trusted_peers) {
    if (!p.CoversLoopback()) continue;
    Log(LogLevel::kWarning, "[egd] proxy_trusted_peers lists ", p.text, ", a loopback address: "
        "any local process can connect from it and claim any client address in a PROXY header "
        "(a proxy:unix: listener in a group-restricted directory avoids this)");
  }
  for (const SourceEntry& e : c.sources) {
    const SourceConfig& s = e.source;
    if (!source_changed || s.kind != SourceKind::kFile || !s.offset_file.empty()) continue;
    Log(LogLevel::kWarning, "[source] replay = true and offset_file is not set: if egdd "
        "restarts, the capture ", s.path, " is replayed from its start and its bytes "
        "are served again (for tests and demos only)");
  }
}

void Daemon::Terminate() {
  if (stopping_) return;
  stopping_ = true;
  for (const auto& d : devices_) d->Stop();
  egd_.Stop();
  if (control_) control_->Stop();
}

}  // namespace egdd
