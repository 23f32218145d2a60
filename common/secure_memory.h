// SPDX-License-Identifier: Apache-2.0
// Secure memory: the one allocator for every buffer that holds entropy (the
// pool, health-test windows, conditioner scratch, source and EGD buffers, HTTP
// response bodies, test data).
//
// Contract:
// - Memory comes from mappings of its own, never from the malloc heap. Every
//   mapping is excluded from core dumps (MADV_DONTDUMP), wiped in a forked
//   child (MADV_WIPEONFORK) and locked against swapping (mlock). Locking is best
//   effort: when RLIMIT_MEMLOCK is too small the mapping stays unlocked, is
//   counted in SecureMemoryStats::unlocked_bytes and a warning is logged once.
// - Every block is wiped (sodium_memzero) when it is released, before it can be
//   reused or unmapped.
// - Small blocks (up to kSecureMaxSmall bytes) come from 64 KiB slabs, one size
//   class (a power of two from 32 bytes) per slab; a slab whose blocks are all
//   free is unmapped once its class already has a spare one, so the footprint
//   follows what is in use. Larger blocks are mappings of their own.
// - Thread-safe (one mutex): sources fill buffers on worker threads.
// - Under AddressSanitizer, free blocks and the slack behind each block are
//   poisoned, so overflows and uses after free are still reported.
//
// Small-string optimisation keeps short std::strings inside the string object,
// wherever that lives: text that carries entropy uses SecureChars (a vector),
// never a string type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace egd {

inline constexpr size_t kSecureMaxSmall = 16384;

// n bytes (n == 0 is treated as 1), aligned to at least 32 bytes. Throws
// std::bad_alloc when the kernel refuses a mapping.
void* SecureAllocate(size_t n);
// Wipes and releases a block from SecureAllocate; n is the size asked for.
void SecureDeallocate(void* p, size_t n) noexcept;

// Overwrites n bytes with zeros in a way the compiler may not remove.
void Wipe(void* p, size_t n) noexcept;
template <typename Container>
void WipeContents(Container& c) noexcept {
  if (!c.empty()) Wipe(c.data(), c.size() * sizeof(*c.data()));
}

struct SecureMemoryStats {
  size_t mapped_bytes = 0;       // address space held: slabs and large blocks
  size_t in_use_bytes = 0;       // handed out, rounded up to the block size
  size_t peak_in_use_bytes = 0;
  size_t unlocked_bytes = 0;     // mapped but not locked (RLIMIT_MEMLOCK)
  size_t mappings = 0;           // slabs + large blocks
};
SecureMemoryStats GetSecureMemoryStats();

template <typename T>
class SecureAllocator {
 public:
  using value_type = T;

  SecureAllocator() noexcept = default;
  template <typename U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT: allocator rebinding

  T* allocate(size_t n) {
    if (n > std::numeric_limits<size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(SecureAllocate(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept { SecureDeallocate(p, n * sizeof(T)); }

  template <typename U>
  bool operator==(const SecureAllocator<U>&) const noexcept { return true; }
  template <typename U>
  bool operator!=(const SecureAllocator<U>&) const noexcept { return false; }
};

using SecureBytes = std::vector<uint8_t, SecureAllocator<uint8_t>>;

// A unique_ptr to one object built in secure memory, for objects whose own
// members hold entropy in fixed arrays (the health gate's partial block, the
// serial decoder's input) rather than in SecureBytes. Destruction runs ~T, then
// wipes and releases the block.
template <typename T>
struct SecureDelete {
  void operator()(T* p) const noexcept {
    if (!p) return;
    p->~T();
    SecureDeallocate(p, sizeof(T));
  }
};

template <typename T>
using SecureUnique = std::unique_ptr<T, SecureDelete<T>>;

template <typename T, typename... Args>
SecureUnique<T> MakeSecure(Args&&... args) {
  static_assert(alignof(T) <= 32, "SecureAllocate aligns to 32 bytes");
  void* block = SecureAllocate(sizeof(T));
  try {
    return SecureUnique<T>(new (block) T(std::forward<Args>(args)...));
  } catch (...) {
    SecureDeallocate(block, sizeof(T));
    throw;
  }
}
// Text that carries entropy (formatted numbers, test data, HTTP bodies).
using SecureChars = std::vector<char, SecureAllocator<char>>;

}  // namespace egd
