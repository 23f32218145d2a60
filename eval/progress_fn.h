// SPDX-License-Identifier: Apache-2.0
// How a long computation reports its progress: called with the units done
// and their total (an upper bound where the run may stop early, as the
// permutation tests do). Called on the computing thread; may be empty.
#pragma once

#include <cstddef>
#include <functional>

namespace egdstat {

using ProgressFn = std::function<void(size_t done, size_t total)>;

}  // namespace egdstat
