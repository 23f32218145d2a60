#include "httpd/reload.h"

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
  Keep(running.egdd.egd, &n.egdd.egd, "egdd.egd", c);
  Keep(running.egdd.control, &n.egdd.control, "egdd.control", c);
  Keep(running.egdd.connections, &n.egdd.connections, "egdd.connections", c);
  Keep(running.files.dir, &n.files.dir, "files.dir", c);
  return plan;
}

}  // namespace httpd
