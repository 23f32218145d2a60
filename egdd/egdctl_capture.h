// SPDX-License-Identifier: Apache-2.0
// `egdctl capture N FILE`: N tested bytes from egdd's EGD socket into FILE,
// for egd-eval. A small blocking loop over the EGD codec: blocking reads
// (`02 255`), a few kilobytes requested ahead, never more than N in all.
//
// FILE is created 0600 (a capture is entropy) and must not exist unless
// `force` (then it is replaced by a new file, never written through a link).
// Nothing is created before the EGD socket answered a connect. Bytes are
// written as they arrive, so Ctrl-C (SIGINT) or SIGTERM stops cleanly with a
// partial file that the closing message names.
//
// Progress goes to `err`: on a terminal a bar with rate and ETA redrawn in
// place at most 4 times a second, otherwise a plain line each tenth of the
// way (or every 10 s); the final rate goes to `out`.
#pragma once

#include <iosfwd>

#include "egdd/egdctl_args.h"

namespace egdctl {

constexpr int kExitCaptured = 0;
constexpr int kExitCaptureFailed = 1;   // egdd closed the connection or a write failed
constexpr int kExitCaptureUsage = 2;    // nothing captured: FILE exists, no socket, ...
constexpr int kExitInterrupted = 130;   // Ctrl-C: the partial file stays

int Capture(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace egdctl
