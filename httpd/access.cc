// SPDX-License-Identifier: Apache-2.0
#include "httpd/access.h"

#include <algorithm>
#include <cctype>


namespace httpd {
namespace {

constexpr const char* kLoopbackNames[] = {"localhost", "127.0.0.1", "[::1]"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Refusal Refuse(const char* reason, unsigned status, const std::string& message) {
  return {reason, JsonResponse(status, message, {{"refused", reason}})};
}

std::optional<Refusal> CheckHost(const Request& r, const std::vector<std::string>& allowed) {
  if (r.repeated_host) return Refuse("host", 400, "more than one Host header");
  if (!r.host) {
    if (r.version < 11) return std::nullopt;
    return Refuse("host", 400, "missing Host header (HTTP/1.1 requires one)");
  }
  std::optional<HostPort> h = ParseHost(*r.host);
  if (h) {
    for (const char* name : kLoopbackNames) {
      if (h->name == name) return std::nullopt;
    }
    if (std::find(allowed.begin(), allowed.end(), h->name) != allowed.end()) return std::nullopt;
  }
  return Refuse("host", 421,
                "this server does not answer to the host name '" + *r.host +
                    "': use localhost, 127.0.0.1 or [::1], or a name in [http] allowed_hosts "
                    "(protection against DNS rebinding)");
}

// The port a client means when it gives none, for an origin's scheme.
std::optional<uint16_t> DefaultPort(std::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  return std::nullopt;
}

// Whether an Origin header names the same host and port as the Host header.
bool SameOrigin(const std::string& origin, const std::string& host) {
  size_t sep = origin.find("://");
  if (sep == std::string::npos) return false;
  std::string scheme = Lower(std::string_view(origin).substr(0, sep));
  std::optional<uint16_t> fallback = DefaultPort(scheme);
  std::optional<HostPort> o = ParseHost(std::string_view(origin).substr(sep + 3));
  std::optional<HostPort> h = ParseHost(host);
  if (!fallback || !o || !h || o->name != h->name) return false;
  return o->port.value_or(*fallback) == h->port.value_or(*fallback);
}

std::optional<Refusal> CheckCrossSite(const Request& r) {
  if (r.sec_fetch_site) {
    std::string site = Lower(*r.sec_fetch_site);
    if (site != "same-origin" && site != "none") {
      return Refuse("cross_site", 403,
                    "refused: a request from another site (Sec-Fetch-Site: " + *r.sec_fetch_site +
                        ") may not change the device state, take random data or open a "
                        "status stream; use "
                        "trng-httpd's own page, curl or a script");
    }
  }
  if (r.origin && (*r.origin == "null" || !r.host || !SameOrigin(*r.origin, *r.host))) {
    return Refuse("cross_site", 403,
                  "refused: Origin '" + *r.origin + "' is not this server (" +
                      r.host.value_or("no Host") +
                      "); a page from another site may not change the device state or take "
                      "random data");
  }
  return std::nullopt;
}

}  // namespace

bool ChangesState(Op op) { return op == Op::kInit || op == Op::kShutdown || op == Op::kRestart; }

bool ReturnsEntropy(Op op) {
  return op == Op::kGetRandom || op == Op::kGenerateTestdata || op == Op::kDownloadFile ||
         op == Op::kPollen;
}

bool OpensStream(Op op) { return op == Op::kEvents; }

std::optional<Refusal> CheckAccess(const Request& r, const Action& a,
                                   const std::vector<std::string>& allowed_hosts) {
  if (std::optional<Refusal> host = CheckHost(r, allowed_hosts)) return host;
  if (!ChangesState(a.op) && !ReturnsEntropy(a.op) && !OpensStream(a.op)) return std::nullopt;
  if (std::optional<Refusal> cross = CheckCrossSite(r)) return cross;
  if (ChangesState(a.op) && r.role == Role::kPublic) {
    return Refuse("role", 403,
                  "control (init, shutdown, restart) needs the operator listener (mutual TLS "
                  "with an operator certificate); this is the public service: nothing was "
                  "changed");
  }
  return std::nullopt;
}

}  // namespace httpd
