#include "eval/procedure.h"

#include <algorithm>

#include "eval/ais31.h"
#include "eval/bits.h"

namespace egdstat {
namespace {

constexpr size_t kT6bMinBits = 2 * ais31::kPerClass * 2;
constexpr size_t kT7aMinBits = 4 * ais31::kPerClass * 3;
constexpr size_t kT7bMinBits = 8 * ais31::kPerClass * 4;
constexpr size_t kT8Bits = (ais31::kT8Q + ais31::kT8K) * ais31::kT8L;

void Record(Attempt& a, TestResult t) {
  ++a.run;
  a.failed += !t.pass;
  a.tests.push_back(std::move(t));
}

// Folds one block's result of repeated test k into the attempt.
void RecordBlock(Attempt& a, size_t k, size_t block, const TestResult& t) {
  RepeatedTest& r = a.repeated[k];
  const Statistic* worst = t.Worst();
  if (r.runs == 0 || worst->bounds.Margin(worst->value) < r.worst.bounds.Margin(r.worst.value)) {
    r.worst = *worst;
    r.worst_block = block;
  }
  ++r.runs;
  ++a.run;
  if (!t.pass) {
    ++r.failures;
    ++a.failed;
    a.block_failures.push_back({block, t.name, *worst});
  }
}

// One attempt of A from sample `first`: T0, then the 257 blocks, packed from
// k-bit samples per `layout` (for k = 8 the packing copies the bytes).
Attempt RunAttemptA(std::span<const uint8_t> data, size_t first, const ais31::SampleLayout& layout) {
  Attempt a;
  a.first_bit = first * layout.bits;
  a.basic_tests = 1 + kBlocksA * 5;  // T0 and 257 x T1-T5: 1,286
  const std::span<const uint8_t> rest = data.subspan(std::min(first, data.size()));
  if (rest.size() < layout.t0_samples()) return a;
  // T0 is one of the basic tests: a T0 failure alone means a retry, like any other.
  Record(a, ais31::T0Disjointness(ais31::PackT0Words(rest, layout)));
  for (const char* name : {"T1 monobit", "T2 poker", "T3 runs", "T4 long run", "T5 autocorrelation"}) {
    a.repeated.push_back(RepeatedTest{name, 0, 0, 0, {}});
  }
  size_t blocks = 0;
  for (; blocks < kBlocksA; ++blocks) {
    const size_t offset = layout.t0_samples() + blocks * layout.block_samples;
    if (offset + layout.block_samples > rest.size()) break;
    const std::vector<uint8_t> block = ais31::PackBlock(rest.subspan(offset), layout);
    const std::vector<TestResult> results = ais31::BlockTests(block);
    for (size_t k = 0; k < results.size(); ++k) RecordBlock(a, k, blocks, results[k]);
  }
  a.bits_used = (layout.t0_samples() + blocks * layout.block_samples) * layout.bits;
  a.complete = blocks == kBlocksA;
  return a;
}

// Runs procedure B from `first_bit`; sets *needed_bits to the least total data
// (from the start) the attempt needs when it cannot complete.
Attempt RunAttemptB(std::span<const uint8_t> data, size_t first_bit, size_t* needed_bits) {
  Attempt a;
  a.first_bit = first_bit;
  a.basic_tests = 9;
  BitCursor cur(BitView(data), std::min(first_bit, data.size() * 8));
  const size_t step_min[] = {ais31::kT6aBits, kT6bMinBits, kT7aMinBits, kT7bMinBits, kT8Bits};
  auto stop = [&](int step) {
    size_t need = a.first_bit + a.bits_used;
    for (int s = step; s < 5; ++s) need += step_min[s];
    *needed_bits = need;
    return a;
  };
  auto used = [&] { a.bits_used = cur.pos() - a.first_bit; };
  if (cur.remaining() < ais31::kT6aBits) return stop(0);
  Record(a, ais31::T6aUniform(cur));
  used();
  for (unsigned prefix_bits = 1; prefix_bits <= 3; ++prefix_bits) {
    const ais31::Collection c =
        ais31::Collect(cur, prefix_bits, ais31::kPerClass, ais31::DefaultMaxTuples(prefix_bits, ais31::kPerClass));
    if (c.data_ended) return stop(static_cast<int>(prefix_bits));
    if (prefix_bits == 1) {
      Record(a, ais31::T6bTransitions(c));
    } else {
      for (TestResult& t : ais31::T7Homogeneity(c)) Record(a, std::move(t));
    }
    used();
  }
  if (cur.remaining() < kT8Bits) return stop(4);
  Record(a, ais31::T8Entropy(cur));
  used();
  a.complete = true;
  return a;
}

std::string Count(size_t failed, size_t of) {
  return std::to_string(failed) + " of " + std::to_string(of) + " basic tests failed";
}

// The one-retry rule over attempts already run. Returns true when a second
// attempt must be run (exactly one basic test failed in the first).
bool Decide(ProcedureResult& r, size_t needed_bytes) {
  const Attempt& a = r.attempts.back();
  const bool retry = r.attempts.size() == 2;
  const std::string which = retry ? "attempt 2: " : "attempt 1: ";
  if (a.failed >= (retry ? 1u : 2u)) {
    r.verdict = Verdict::kFail;
    r.reason = which + Count(a.failed, a.basic_tests);
    return false;
  }
  if (!a.complete) {
    r.verdict = Verdict::kNeedMoreData;
    r.bytes_needed = needed_bytes;
    r.reason = which + "the data ended after " + std::to_string(a.run) + " of " + std::to_string(a.basic_tests) +
               " basic tests";
    return false;
  }
  if (a.failed == 0) {
    r.verdict = Verdict::kPass;
    r.reason = which + Count(0, a.basic_tests) + (retry ? " (after one failure in attempt 1)" : "");
    return false;
  }
  return true;  // exactly one failure in attempt 1
}

}  // namespace

size_t ProcedureABytes(unsigned bits_per_sample) {
  const ais31::SampleLayout layout = ais31::LayoutFor(bits_per_sample);
  return layout.t0_samples() + kBlocksA * layout.block_samples;
}

ProcedureResult RunProcedureA(std::span<const uint8_t> data, unsigned bits_per_sample) {
  ProcedureResult r{"A", data.size(), {}, Verdict::kNeedMoreData, "", 0, bits_per_sample};
  const ais31::SampleLayout layout = ais31::LayoutFor(bits_per_sample);
  const size_t per_attempt = ProcedureABytes(bits_per_sample);
  for (size_t attempt = 0; attempt < 2; ++attempt) {
    r.attempts.push_back(RunAttemptA(data, attempt * per_attempt, layout));
    if (!Decide(r, (attempt + 1) * per_attempt)) break;
  }
  return r;
}

ProcedureResult RunProcedureB(std::span<const uint8_t> data) {
  ProcedureResult r{"B", data.size(), {}, Verdict::kNeedMoreData, "", 0, 8};
  size_t next_bit = 0;
  for (size_t attempt = 0; attempt < 2; ++attempt) {
    size_t needed_bits = 0;
    r.attempts.push_back(RunAttemptB(data, next_bit, &needed_bits));
    next_bit = r.attempts.back().first_bit + r.attempts.back().bits_used;
    if (!Decide(r, (needed_bits + 7) / 8)) break;
  }
  return r;
}

ProcedureResult RunFips(std::span<const uint8_t> data, const fips140::Options& options) {
  ProcedureResult r{"fips", data.size(), {}, Verdict::kNeedMoreData, "", 0, 8};
  Attempt a;
  a.basic_tests = 5;
  if (data.size() >= kBlockBytes) {
    for (TestResult& t : fips140::BlockTests(data.first(kBlockBytes), options)) Record(a, std::move(t));
    a.bits_used = kBlockBits;
    a.complete = true;
  }
  r.attempts.push_back(std::move(a));
  const Attempt& done = r.attempts.back();
  if (!done.complete) {
    r.bytes_needed = kBlockBytes;
    r.reason = "the tests need 20,000 bits";
  } else {
    r.verdict = done.failed == 0 ? Verdict::kPass : Verdict::kFail;
    r.reason = std::to_string(done.failed) + " of 5 tests failed";
  }
  return r;
}

}  // namespace egdstat
