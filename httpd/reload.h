// What a SIGHUP does with a new trng-httpd configuration. PlanReload is pure:
// no sockets, no files. Settings bound to open sockets, connections or the
// files directory keep their running values until a restart: the listeners
// (http.listen, http.public_listen, http.proxy_trusted_peers), how clients are
// keyed (http.ipv4_prefix, http.ipv6_prefix), egdd's addresses and
// connections, files.dir. Everything else (log level, allowed_hosts, limits
// and per-client limits, timeouts, pollen, file retention) applies at once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "httpd/config.h"

namespace httpd {

struct ReloadPlan {
  Config next;                            // loaded, with restart-only settings kept as running
  std::vector<std::string> needs_restart; // keys that differed and were kept, e.g. "http.listen"
};

ReloadPlan PlanReload(const Config& running, const Config& loaded);

// SIGHUP: loads live->file again; a file that does not load is logged and
// changes nothing; else warns about restart-only keys, updates *live and
// calls apply(*live).
void Reload(Config* live, const std::function<void(const Config&)>& apply);

}  // namespace httpd
