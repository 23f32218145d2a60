// SPDX-License-Identifier: Apache-2.0
#include "egdd/byte_queue.h"

#include <catch2/catch.hpp>
#include <numeric>
#include <vector>

namespace egdd {
namespace {

std::vector<uint8_t> Seq(size_t n, uint8_t start = 0) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST_CASE("ByteQueue keeps order across pops, compaction and clear") {
  ByteQueue q;
  std::vector<uint8_t> all;
  for (int i = 0; i < 40; ++i) {
    auto piece = Seq(1000, static_cast<uint8_t>(i));
    q.Push(piece);
    all.insert(all.end(), piece.begin(), piece.end());
  }
  egd::SecureBytes out;
  size_t taken = 0;
  while (!q.empty()) {
    taken += q.Pop(777, &out);
    CHECK(q.size() == all.size() - taken);
  }
  CHECK(std::equal(out.begin(), out.end(), all.begin(), all.end()));
  CHECK(q.Pop(10, &out) == 0);
  q.Push(Seq(5));
  q.Clear();
  CHECK(q.empty());
}

TEST_CASE("ByteQueue holds its bytes in secure memory and frees them when empty") {
  size_t before = egd::GetSecureMemoryStats().in_use_bytes;
  ByteQueue q;
  q.Push(Seq(3000));
  CHECK(egd::GetSecureMemoryStats().in_use_bytes > before);
  egd::SecureBytes out;
  q.Pop(3000, &out);
  egd::SecureBytes().swap(out);
  CHECK(egd::GetSecureMemoryStats().in_use_bytes == before);
}

}  // namespace
}  // namespace egdd
