// SPDX-License-Identifier: Apache-2.0
#include "egdd/egdctl_args.h"

#include <cmath>
#include <string_view>

#include "common/net_address.h"

namespace egdctl {
namespace {

using egd::Status;

bool Known(std::string_view command) {
  for (std::string_view c : {"status", "stats", "init", "shutdown", "restart", "assess", "capture"}) {
    if (command == c) return true;
  }
  return false;
}

// Whole seconds or a decimal fraction, > 0 and at most a week.
Status ParseSeconds(std::string_view text, std::chrono::milliseconds* out) {
  std::string s(text);
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size() || !std::isfinite(v) || v <= 0 || v > 7 * 86400.0 ||
      s.find_first_not_of("0123456789.") != std::string::npos) {
    return Status::Error("--timeout '" + s + "': expected seconds, more than 0 and at most 604800");
  }
  *out = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(v * 1000)));
  return Status::Ok();
}

Status ParseCount(std::string_view text, uint64_t* out) {
  std::string s(text);
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Error("capture: N '" + s + "': expected a number of bytes (digits only)");
  }
  uint64_t n = std::stoull(s);
  if (n == 0) return Status::Error("capture: N must be at least 1 byte");
  if (n > kMaxCaptureBytes) {
    return Status::Error("capture: N " + s + " is more than the limit of " +
                         std::to_string(kMaxCaptureBytes) + " bytes (1 GiB)");
  }
  *out = n;
  return Status::Ok();
}

// The options a command takes, checked once everything is parsed.
Status CheckFits(const Options& o, bool saw_wait_option, bool saw_capture_option) {
  bool waits = o.command == "init" || o.command == "restart";
  if (saw_wait_option && !waits) {
    return Status::Error("--no-wait and --timeout apply to init and restart only");
  }
  if (saw_capture_option && o.command != "capture") {
    return Status::Error("--egd and --force apply to capture only");
  }
  return Status::Ok();
}

}  // namespace

std::string UsageText() {
  return "usage: egdctl [--socket PATH] status|stats\n"
         "       egdctl [--socket PATH] shutdown|assess [NAME]\n"
         "       egdctl [--socket PATH] init|restart [NAME] [--no-wait] [--timeout SECONDS]\n"
         "       egdctl [--socket PATH] capture N FILE [--egd unix:PATH|HOST:PORT] [--force]\n";
}

Status ParseArgs(int argc, const char* const* argv, Options* out) {
  Options o;
  std::vector<std::string> words;
  bool wait_option = false, capture_option = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--socket" || a == "--timeout" || a == "--egd") {
      if (!has_value) return Status::Error(std::string(a) + " needs a value");
      std::string_view v = argv[++i];
      if (a == "--socket") {
        if (v.empty()) return Status::Error("--socket needs a path");
        o.socket = v;
      } else if (a == "--timeout") {
        wait_option = true;
        if (Status st = ParseSeconds(v, &o.timeout); !st.ok()) return st;
      } else {
        capture_option = true;
        egd::NetAddress addr;
        if (Status st = egd::ParseNetAddress(v, true, &addr); !st.ok()) {
          return Status::Error("--egd " + st.message());
        }
        o.egd = v;
      }
    } else if (a == "--no-wait") {
      wait_option = true;
      o.wait = false;
    } else if (a == "--force") {
      capture_option = true;
      o.force = true;
    } else if (a.starts_with("-") && a.size() > 1) {
      return Status::Error("unknown option '" + std::string(a) + "'");
    } else {
      words.emplace_back(a);
    }
  }
  if (words.empty()) return Status::Error("no command given");
  o.command = words[0];
  if (!Known(o.command)) return Status::Error("unknown command '" + o.command + "'");
  size_t want = o.command == "capture" ? 3 : 1;
  bool named = o.command != "capture" && o.command != "status" && o.command != "stats";
  if (named && words.size() == 2) {
    o.source = words[1];
    if (o.source.empty() || o.source.find_first_of(" \n") != std::string::npos) {
      return Status::Error(o.command + ": '" + o.source + "' is not a source name");
    }
  } else if (words.size() != want) {
    return Status::Error(o.command == "capture" ? "capture takes N and FILE"
                         : named               ? o.command + " takes at most a source name"
                                               : o.command + " takes no arguments");
  }
  if (o.command == "capture") {
    if (Status st = ParseCount(words[1], &o.capture_bytes); !st.ok()) return st;
    o.capture_file = words[2];
    if (o.capture_file.empty() || o.capture_file == "-") {
      return Status::Error("capture: FILE must name a file (standard output is not supported)");
    }
  }
  if (Status st = CheckFits(o, wait_option, capture_option); !st.ok()) return st;
  *out = std::move(o);
  return Status::Ok();
}

std::string DefaultEgdAddress(const std::vector<std::string>& listen) {
  for (bool want_unix : {true, false}) {
    for (const std::string& text : listen) {
      egd::NetAddress a;
      if (text.starts_with("proxy:") || !egd::ParseNetAddress(text, true, &a).ok()) continue;
      if (a.is_unix == want_unix) return text;
    }
  }
  return kDefaultEgdSocket;
}

}  // namespace egdctl
