// The startup test egdd runs on the first 20,000 bits after every power-on.
#include "egdd/daemon.h"

namespace egdd {

egd::StartupTest Daemon::StartupTest() const {
  return nullptr;  // TODO(issue 3): FIPS 140-2 block tests from eval/ (egdstat)
}

}  // namespace egdd
