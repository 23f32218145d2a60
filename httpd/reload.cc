#include "httpd/reload.h"

#include "common/log.h"

namespace httpd {
namespace {

// Keeps *next's field equal to running's, noting `key` if they differed.
template <typename T>
void Keep(const T& running, T* next, const char* key, std::vector<std::string>* changed) {
  if (!(running == *next)) changed->push_back(key);
  *next = running;
}

}  // namespace

ReloadPlan PlanReload(const Config& running, const Config& loaded) {
  ReloadPlan plan{loaded, {}};
  Config& n = plan.next;
  std::vector<std::string>* c = &plan.needs_restart;
  Keep(running.http.listen, &n.http.listen, "http.listen", c);
  Keep(running.http.public_listen, &n.http.public_listen, "http.public_listen", c);
  Keep(running.http.proxy_trusted_peers, &n.http.proxy_trusted_peers, "http.proxy_trusted_peers", c);
  Keep(running.http.client_key.ipv4_prefix, &n.http.client_key.ipv4_prefix, "http.ipv4_prefix", c);
  Keep(running.http.client_key.ipv6_prefix, &n.http.client_key.ipv6_prefix, "http.ipv6_prefix", c);
  Keep(running.egdd.egd, &n.egdd.egd, "egdd.egd", c);
  Keep(running.egdd.control, &n.egdd.control, "egdd.control", c);
  Keep(running.egdd.connections, &n.egdd.connections, "egdd.connections", c);
  Keep(running.files.dir, &n.files.dir, "files.dir", c);
  return plan;
}

void Reload(Config* live, const std::function<void(const Config&)>& apply) {
  Config loaded;
  egd::Status st = LoadConfig(live->file, &loaded);
  if (!st.ok()) {
    egd::Log(egd::LogLevel::kError, "reload: ", st.message(), "; the running configuration stays");
    return;
  }
  ReloadPlan plan = PlanReload(*live, loaded);
  for (const std::string& key : plan.needs_restart) {
    egd::Log(egd::LogLevel::kWarning, "reload: ", key, " changed; it takes effect at the next restart");
  }
  *live = plan.next;
  apply(*live);
  // Said at the old level: a reload to a quieter level is still confirmed.
  egd::Log(egd::LogLevel::kNotice, "reload: configuration ", live->file, " applied");
  egd::SetLogLevel(*egd::ParseLogLevel(live->log.level));
}

}  // namespace httpd
