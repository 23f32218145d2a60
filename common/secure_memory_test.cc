// SPDX-License-Identifier: Apache-2.0
#include "common/secure_memory.h"

#include <sys/mman.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace egd {
namespace {

// The VmFlags line of the /proc/self/smaps mapping that holds `p`.
std::string VmFlagsOf(const void* p) {
  auto addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > 8) {
      inside = addr >= lo && addr < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

TEST_CASE("blocks are dont-dump and (with a large enough RLIMIT_MEMLOCK) locked") {
  SecureBytes small(100, 1);
  SecureBytes large(100000, 2);
  for (const void* p : {static_cast<const void*>(small.data()), static_cast<const void*>(large.data())}) {
    std::string flags = VmFlagsOf(p);
    INFO(flags);
    CHECK(flags.find(" dd") != std::string::npos);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)  // sanitizers make mlock a no-op
    if (GetSecureMemoryStats().unlocked_bytes == 0) CHECK(flags.find(" lo") != std::string::npos);
#endif
  }
}

TEST_CASE("a released block is wiped before it is reused") {
  uint8_t* p = static_cast<uint8_t*>(SecureAllocate(48));
  std::memset(p, 0xA5, 48);
  SecureDeallocate(p, 48);
  // Same size class (64 bytes): the block just released comes back first.
  uint8_t* q = static_cast<uint8_t*>(SecureAllocate(64));
  CHECK(q == p);
  for (size_t i = 0; i < 64; ++i) CHECK(q[i] == 0);
  SecureDeallocate(q, 64);
}

TEST_CASE("in-use accounting follows allocations; empty slabs go back to the kernel") {
  SecureMemoryStats before = GetSecureMemoryStats();
  {
    std::vector<SecureBytes> many;
    for (int i = 0; i < 2000; ++i) many.emplace_back(1000, static_cast<uint8_t>(i));
    SecureMemoryStats during = GetSecureMemoryStats();
    CHECK(during.in_use_bytes >= before.in_use_bytes + 2000 * 1024);
    CHECK(during.mapped_bytes >= during.in_use_bytes);
  }
  SecureMemoryStats after = GetSecureMemoryStats();
  CHECK(after.in_use_bytes == before.in_use_bytes);
  // At most one spare 64 KiB slab per size class stays mapped.
  CHECK(after.mapped_bytes <= before.mapped_bytes + 64 * 1024);
}

TEST_CASE("vectors and rebinding work; alignment is at least 32") {
  std::vector<uint64_t, SecureAllocator<uint64_t>> v;
  for (uint64_t i = 0; i < 10000; ++i) v.push_back(i * i);
  CHECK(v[9999] == 9999ull * 9999ull);
  CHECK(reinterpret_cast<uintptr_t>(v.data()) % 32 == 0);
  SecureChars text;
  const char* s = "0x1f,0x2e";
  text.insert(text.end(), s, s + std::strlen(s));
  CHECK(std::string(text.begin(), text.end()) == s);
  WipeContents(text);
  CHECK(text[0] == 0);
}

}  // namespace
}  // namespace egd
