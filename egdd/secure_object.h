// SPDX-License-Identifier: Apache-2.0
// SecureUnique<T>: a unique_ptr to an object built in secure memory
// (common/secure_memory.h: locked, dont-dump, wiped on release), for objects
// whose own members hold entropy in fixed arrays (the health gate's partial
// block, the serial decoder's input buffer) rather than in SecureBytes.
// Single owner; destruction runs ~T, then wipes and releases the block.
#pragma once

#include <memory>
#include <new>
#include <utility>

#include "common/secure_memory.h"

namespace egdd {

template <typename T>
struct SecureDelete {
  void operator()(T* p) const noexcept {
    if (!p) return;
    p->~T();
    egd::SecureDeallocate(p, sizeof(T));
  }
};

template <typename T>
using SecureUnique = std::unique_ptr<T, SecureDelete<T>>;

template <typename T, typename... Args>
SecureUnique<T> MakeSecure(Args&&... args) {
  static_assert(alignof(T) <= 32, "SecureAllocate aligns to 32 bytes");
  void* block = egd::SecureAllocate(sizeof(T));
  try {
    return SecureUnique<T>(new (block) T(std::forward<Args>(args)...));
  } catch (...) {
    egd::SecureDeallocate(block, sizeof(T));
    throw;
  }
}

}  // namespace egdd
