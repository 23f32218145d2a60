// SPDX-License-Identifier: Apache-2.0
// Small state files written so that a crash leaves either the old or the new
// content, never a torn one: written to PATH.tmp, synced, renamed over PATH.
// For state without secrets (offsets, assessment results): no entropy is ever
// written with it.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace egd {

// Replaces `path` with `text` (mode applies to a new file). On error the old
// file is untouched and PATH.tmp is removed.
Status WriteFileAtomically(const std::string& path, std::string_view text, unsigned mode = 0644);

// Reads a whole small file into *text; a missing file is an error whose
// *missing is set (so callers can treat "none yet" apart from failures).
Status ReadSmallFile(const std::string& path, std::string* text, bool* missing,
                     size_t max_bytes = 1 << 20);

}  // namespace egd
