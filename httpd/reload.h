// What a SIGHUP does with a new trng-httpd configuration. Pure: no sockets,
// no files. Settings bound to open sockets, connections or the files
// directory keep their running values until a restart; everything else (log
// level, limits, timeouts, pollen, file retention) applies at once.
#pragma once

#include <string>
#include <vector>

#include "httpd/config.h"

namespace httpd {

struct ReloadPlan {
  Config next;                            // loaded, with restart-only settings kept as running
  std::vector<std::string> needs_restart; // keys that differed and were kept, e.g. "http.listen"
};

ReloadPlan PlanReload(const Config& running, const Config& loaded);

}  // namespace httpd
