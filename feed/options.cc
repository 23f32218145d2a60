// SPDX-License-Identifier: Apache-2.0
#include "feed/options.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "common/log.h"

namespace feed {
namespace {

using egd::Status;

Status Bad(const std::string& option, const std::string& value, const std::string& why) {
  return Status::Error(option + ": '" + value + "' " + why);
}

Status Number(const std::string& option, const std::string& value, double lo, double hi,
              double* out) {
  char* end = nullptr;
  double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !(v >= lo && v <= hi)) {
    std::ostringstream range;
    range << "is not a number in [" << lo << ", " << hi << "]";
    return Bad(option, value, range.str());
  }
  *out = v;
  return Status::Ok();
}

Status Count(const std::string& option, const std::string& value, size_t lo, size_t hi,
             size_t* out) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || value[0] == '-' || *end != '\0' || v < lo || v > hi) {
    return Bad(option, value,
               "is not an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  *out = static_cast<size_t>(v);
  return Status::Ok();
}

Status Seconds(const std::string& option, const std::string& value, int64_t min_ms,
               std::chrono::milliseconds* out) {
  double s;
  Status st = Number(option, value, min_ms / 1000.0, kDayMs / 1000.0, &s);
  if (st.ok()) *out = std::chrono::milliseconds(std::llround(s * 1000));
  return st;
}

// Applies one option that takes a value.
Status Apply(const std::string& name, const std::string& value, Options* o) {
  double d = 0;
  size_t n = 0;
  std::chrono::milliseconds ms{0};
  Status st = Status::Ok();
  if (name == "--config" || name == "--check-config") {
    o->config_file = value;
    o->check_only = name == "--check-config";
  } else if (name == "--connect") {
    st = AddServer(value, &o->connect);
  } else if (name == "--mix") {
    if ((st = Count(name, value, 1, kMaxMix, &n)).ok()) o->mix = n;
  } else if (name == "--bits-per-byte") {
    if ((st = Number(name, value, 0, kMaxBitsPerByte, &d)).ok()) o->bits_per_byte = d;
  } else if (name == "--reseed") {
    for (ReseedMode m : {ReseedMode::kAuto, ReseedMode::kYes, ReseedMode::kNo}) {
      if (value == ReseedModeName(m)) o->reseed = m;
    }
    if (!o->reseed || value != ReseedModeName(*o->reseed)) {
      return Bad(name, value, "is not one of auto, yes, no");
    }
  } else if (name == "--metrics-file") {
    o->metrics_file = value;
  } else if (name == "--seed-bytes" || name == "--reseed-bytes") {
    if ((st = Count(name, value, 1, kMaxFeedBytes, &n)).ok()) {
      (name == "--seed-bytes" ? o->seed_bytes : o->reseed_bytes) = n;
    }
  } else if (name == "--interval") {
    if ((st = Seconds(name, value, kMinIntervalMs, &ms)).ok()) o->interval = ms;
  } else if (name == "--read-timeout") {
    if ((st = Seconds(name, value, kMinReadTimeoutMs, &ms)).ok()) o->read_timeout = ms;
  } else if (name == "--watermark") {
    if ((st = Count(name, value, 0, 1 << 20, &n)).ok()) o->watermark = static_cast<uint32_t>(n);
  } else if (name == "--device") {
    o->device = value;
  } else if (name == "--user") {
    o->user = value;
  } else if (name == "--log-level") {
    if (!egd::ParseLogLevel(value)) return Bad(name, value, "is not a log level");
    o->log_level = value;
  } else {
    return Status::Error("unknown option " + name);
  }
  if (!st.ok() && name == "--connect") return Status::Error("--connect: " + st.message());
  return st;
}

}  // namespace

const char kUsage[] =
    "usage: egd-feed --config FILE [options]\n"
    "       egd-feed --connect HOST:PORT|unix:PATH [--connect ...] [options]\n"
    "       egd-feed --check-config FILE\n"
    "options (override the file):\n"
    "  --connect ADDRESS   an EGD server; repeated: several (replace the file's list)\n"
    "  --mix K             combine reads from K different servers per feed through\n"
    "                      BLAKE2b (default 1: one server, the next on failure); with\n"
    "                      fewer than K reachable, feed from those, credit nothing\n"
    "  --bits-per-byte F   entropy credited per byte fed until the kernel's CRNG is\n"
    "                      ready, 0..8 (default 0: mix in with write(2), credit nothing,\n"
    "                      no capability; > 0: RNDADDENTROPY, needs CAP_SYS_ADMIN)\n"
    "  --reseed MODE       after the kernel's CRNG is ready, follow each feed with\n"
    "                      RNDRESEEDCRNG: auto (default: when CAP_SYS_ADMIN is kept\n"
    "                      for crediting), yes (keep it for this alone), no\n"
    "  --metrics-file PATH Prometheus text file for node_exporter (default: none)\n"
    "  --seed-bytes N      bytes fed at start (default 64)\n"
    "  --reseed-bytes N    bytes fed at each reseed (default 64)\n"
    "  --interval SECONDS  time between reseeds (default 60)\n"
    "  --read-timeout S    abandon a read (and the connection) after this (default 60)\n"
    "  --watermark BITS    reseed early while entropy_avail is below this (default 0: off)\n"
    "  --device PATH       where the bytes go (default /dev/random)\n"
    "  --user NAME         started as root: switch to this user, keeping no capability\n"
    "                      (CAP_SYS_ADMIN only when crediting, or with --reseed yes)\n"
    "  --log-level LEVEL   error | warning | notice | info | debug\n"
    "  --once              feed once and exit: 0 fed, 1 failed\n";

Status ParseArgs(const std::vector<std::string>& args, Options* out) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--once") {
      o.once = true;
    } else if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
      size_t eq = a.find('=');
      if (Status st = Apply(a.substr(0, eq), a.substr(eq + 1), &o); !st.ok()) return st;
    } else if (i + 1 < args.size()) {
      if (Status st = Apply(a, args[i + 1], &o); !st.ok()) return st;
      ++i;
    } else {
      return Status::Error(a.rfind("--", 0) == 0 ? a + ": a value is missing"
                                                 : "unexpected argument '" + a + "'");
    }
  }
  if (!o.help && o.config_file.empty() && o.connect.empty()) {
    return Status::Error("either --config FILE or --connect ADDRESS is needed");
  }
  if (o.check_only && o.once) return Status::Error("--check-config and --once exclude each other");
  *out = std::move(o);
  return Status::Ok();
}

Status BuildConfig(const Options& o, Config* out) {
  Config c;
  if (!o.config_file.empty()) {
    Status st = LoadConfig(o.config_file, &c);
    if (!st.ok()) return st;
  }
  if (!o.connect.empty()) c.servers = o.connect;
  if (o.mix) c.mix = *o.mix;
  if (o.bits_per_byte) c.credit_bits_per_byte = *o.bits_per_byte;
  if (o.reseed) c.reseed_crng = *o.reseed;
  if (o.metrics_file) c.metrics_file = *o.metrics_file;
  if (o.seed_bytes) c.schedule.seed_bytes = *o.seed_bytes;
  if (o.reseed_bytes) c.schedule.reseed_bytes = *o.reseed_bytes;
  if (o.interval) c.schedule.interval = *o.interval;
  if (o.read_timeout) c.read_timeout = *o.read_timeout;
  if (o.watermark) c.schedule.low_watermark_bits = *o.watermark;
  if (o.device) c.device = *o.device;
  if (o.user) c.user = *o.user;
  if (o.log_level) c.log_level = *o.log_level;
  const std::string where = c.file.empty() ? std::string("egd-feed") : c.file;
  if (c.servers.empty()) {
    return Status::Error(where + ": no server: set [server] connect or pass --connect");
  }
  if (c.mix > c.servers.size()) {
    return Status::Error(where + ": mix = " + std::to_string(c.mix) + " needs at least " +
                         std::to_string(c.mix) + " servers, " + std::to_string(c.servers.size()) +
                         " given (server.connect or --connect)");
  }
  *out = std::move(c);
  return Status::Ok();
}

}  // namespace feed
