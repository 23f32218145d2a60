// SPDX-License-Identifier: Apache-2.0
#include "common/secure_memory.h"

#include <sodium.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "common/log.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define EGD_POISON(p, n) __asan_poison_memory_region((p), (n))
#define EGD_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define EGD_POISON(p, n) ((void)(p), (void)(n))
#define EGD_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace egd {
namespace {

constexpr size_t kSlabSize = 64 * 1024;
constexpr size_t kMinBlock = 32;
constexpr size_t kClasses = 10;  // 32 B .. 16 KiB
static_assert((kMinBlock << (kClasses - 1)) == kSecureMaxSmall);

size_t ClassOf(size_t n) {
  size_t c = 0;
  while ((kMinBlock << c) < n) ++c;
  return c;
}

size_t PageRound(size_t n) {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}

struct Slab {
  uint8_t* base = nullptr;
  size_t block = 0;
  size_t capacity = 0;  // blocks
  size_t used = 0;      // blocks handed out
  size_t bumped = 0;    // blocks handed out at least once (the rest are fresh)
  void* free_list = nullptr;  // released blocks, each holding the next pointer
};

class Arena {
 public:
  void* Allocate(size_t n) {
    if (n == 0) n = 1;
    if (n > kSecureMaxSmall) return AllocateLarge(n);
    std::unique_lock lock(mu_);
    size_t c = ClassOf(n);
    Slab* s = available_[c].empty() ? NewSlab(c) : available_[c].back();
    void* p = Take(s);
    if (s->used == s->capacity) available_[c].pop_back();
    Account(s->block, +1);
    lock.unlock();
    EGD_UNPOISON(p, n);
    return p;
  }

  void Deallocate(void* p, size_t n) noexcept {
    if (!p) return;
    if (n == 0) n = 1;
    if (n > kSecureMaxSmall) return DeallocateLarge(p, n);
    std::lock_guard lock(mu_);
    auto base = reinterpret_cast<uintptr_t>(p) & ~(uintptr_t{kSlabSize} - 1);
    auto it = slabs_.find(base);
    assert(it != slabs_.end());
    Slab* s = &it->second;
    EGD_UNPOISON(p, s->block);
    Wipe(p, s->block);
    bool was_full = s->used == s->capacity;
    *static_cast<void**>(p) = s->free_list;
    s->free_list = p;
    EGD_POISON(p, s->block);
    --s->used;
    Account(s->block, -1);
    size_t c = ClassOf(s->block);
    if (was_full) available_[c].push_back(s);
    if (s->used == 0) MaybeRelease(c, s);
  }

  SecureMemoryStats Stats() {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  // A fresh mapping of `size` bytes aligned to `align`, protected as the header says.
  uint8_t* Map(size_t size, size_t align) {
    size_t span = size + (align > 4096 ? align : 0);
    void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    auto start = reinterpret_cast<uintptr_t>(raw);
    uintptr_t aligned = align > 4096 ? (start + align - 1) & ~(uintptr_t{align} - 1) : start;
    if (aligned > start) ::munmap(raw, aligned - start);
    if (start + span > aligned + size) {
      ::munmap(reinterpret_cast<void*>(aligned + size), start + span - (aligned + size));
    }
    auto* p = reinterpret_cast<uint8_t*>(aligned);
    ::madvise(p, size, MADV_DONTDUMP);
#ifdef MADV_WIPEONFORK
    ::madvise(p, size, MADV_WIPEONFORK);
#endif
    stats_.mapped_bytes += size;
    ++stats_.mappings;
    if (::mlock(p, size) != 0) {
      stats_.unlocked_bytes += size;
      warn_unlocked_ = true;
    }
    return p;
  }

  void Unmap(uint8_t* p, size_t size, bool locked) {
    // The next mapping at this address must not inherit the poisoned shadow.
    EGD_UNPOISON(p, size);
    if (locked) ::munlock(p, size);
    else stats_.unlocked_bytes -= size;
    ::munmap(p, size);
    stats_.mapped_bytes -= size;
    --stats_.mappings;
  }

  uint8_t* MapRemembering(size_t size, size_t align) {
    size_t before = stats_.unlocked_bytes;
    uint8_t* p = Map(size, align);
    if (stats_.unlocked_bytes != before) unlocked_.insert({reinterpret_cast<uintptr_t>(p), size});
    return p;
  }

  void UnmapRemembered(uint8_t* p, size_t size) {
    bool locked = unlocked_.erase(reinterpret_cast<uintptr_t>(p)) == 0;
    Unmap(p, size, locked);
  }

  Slab* NewSlab(size_t c) {
    uint8_t* base = MapRemembering(kSlabSize, kSlabSize);
    Slab& s = slabs_[reinterpret_cast<uintptr_t>(base)];
    s.base = base;
    s.block = kMinBlock << c;
    s.capacity = kSlabSize / s.block;
    EGD_POISON(base, kSlabSize);
    available_[c].push_back(&s);
    ++empty_[c];
    WarnOnce();
    return &s;
  }

  void* Take(Slab* s) {
    if (s->used == 0) --empty_[ClassOf(s->block)];
    ++s->used;
    if (s->free_list) {
      void* p = s->free_list;
      EGD_UNPOISON(p, sizeof(void*));
      s->free_list = *static_cast<void**>(p);
      *static_cast<void**>(p) = nullptr;  // wiped again: no pointer left in the block
      EGD_POISON(p, s->block);
      return p;
    }
    return s->base + s->block * s->bumped++;
  }

  // Keeps one empty slab per class for reuse; unmaps the others.
  void MaybeRelease(size_t c, Slab* s) {
    if (++empty_[c] <= 1) return;
    auto& list = available_[c];
    list.erase(std::find(list.begin(), list.end(), s));
    --empty_[c];
    uint8_t* base = s->base;
    slabs_.erase(reinterpret_cast<uintptr_t>(base));
    UnmapRemembered(base, kSlabSize);
  }

  void* AllocateLarge(size_t n) {
    size_t size = PageRound(n);
    std::unique_lock lock(mu_);
    uint8_t* p = MapRemembering(size, 4096);
    Account(size, +1);
    WarnOnce();
    return p;
  }

  void DeallocateLarge(void* p, size_t n) noexcept {
    size_t size = PageRound(n);
    Wipe(p, n);
    std::lock_guard lock(mu_);
    Account(size, -1);
    UnmapRemembered(static_cast<uint8_t*>(p), size);
  }

  void Account(size_t bytes, int sign) {
    if (sign > 0) {
      stats_.in_use_bytes += bytes;
      stats_.peak_in_use_bytes = std::max(stats_.peak_in_use_bytes, stats_.in_use_bytes);
    } else {
      stats_.in_use_bytes -= bytes;
    }
  }

  // Logged without the lock held would be nicer, but the log never allocates
  // secure memory, so there is no recursion.
  void WarnOnce() {
    if (!warn_unlocked_ || warned_) return;
    warned_ = true;
    Log(LogLevel::kWarning, "could not lock entropy buffers in memory (RLIMIT_MEMLOCK is too "
        "small; raise LimitMEMLOCK): they are kept out of core dumps but may be swapped");
  }

  std::mutex mu_;
  std::unordered_map<uintptr_t, Slab> slabs_;  // by base address
  std::unordered_map<uintptr_t, size_t> unlocked_;  // mappings mlock refused
  std::array<std::vector<Slab*>, kClasses> available_;  // slabs with a free block
  std::array<size_t, kClasses> empty_{};                // slabs with no block in use
  SecureMemoryStats stats_;
  bool warn_unlocked_ = false;
  bool warned_ = false;
};

// Never destroyed: blocks may be released from static destructors.
Arena& TheArena() {
  static Arena* arena = new Arena;
  return *arena;
}

}  // namespace

void* SecureAllocate(size_t n) { return TheArena().Allocate(n); }

void SecureDeallocate(void* p, size_t n) noexcept { TheArena().Deallocate(p, n); }

void Wipe(void* p, size_t n) noexcept {
  if (p && n) sodium_memzero(p, n);
}

SecureMemoryStats GetSecureMemoryStats() { return TheArena().Stats(); }

}  // namespace egd
