#include "health/health.h"

#include <algorithm>
#include <array>
#include <utility>

namespace egd {

namespace {

// Returns the first byte value of `chunk` whose count exceeds `limit`, or -1.
// Small counters keep the table in a few cache lines (zeroing it is most of
// the cost); a counter never needs to exceed limit + 1.
// *max_count (if kMax): the largest count reached; without it the loop stays
// as lean as before.
template <typename Counter, bool kMax>
int FirstOverLimit(std::span<const uint8_t> chunk, uint32_t limit, uint32_t* max_count) {
  alignas(64) std::array<Counter, 256> counts{};
  uint32_t most = 0;
  for (uint8_t b : chunk) {
    uint32_t c = ++counts[b];
    if constexpr (kMax) most = std::max(most, c);
    if (c > limit) {
      if constexpr (kMax) *max_count = most;
      return b;
    }
  }
  if constexpr (kMax) *max_count = most;
  return -1;
}

template <typename Counter>
int FirstOverLimit(std::span<const uint8_t> chunk, uint32_t limit, uint32_t* max_count) {
  return max_count ? FirstOverLimit<Counter, true>(chunk, limit, max_count)
                   : FirstOverLimit<Counter, false>(chunk, limit, nullptr);
}

// True if either of two equal-sized chunks (< 256 bytes) has a byte value
// occurring more than `limit` (< 255) times; *b_max: the largest count in b.
// Two independent tables in one loop overlap their memory round trips: ~1.5x
// the speed of one chunk at a time.
bool EitherOverLimit(const uint8_t* a, const uint8_t* b, size_t n, uint32_t limit,
                     uint64_t* b_max) {
  alignas(64) std::array<uint8_t, 256> ca{}, cb{};
  uint8_t ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) {
    uint8_t x = ++ca[a[i]];
    uint8_t y = ++cb[b[i]];
    ma = std::max(ma, x);
    mb = std::max(mb, y);
  }
  *b_max = mb;
  return std::max(ma, mb) > limit;
}

// Drops the last n bytes of v, wiping them first: a vector's spare capacity
// never keeps a copy of a byte.
void DropTail(SecureBytes& v, size_t n) {
  Wipe(v.data() + v.size() - n, n);
  v.resize(v.size() - n);
}

}  // namespace

HealthStats& HealthStats::operator+=(const HealthStats& other) {
  for (const char* test :
       {"total_failure", "repetition_count", "adaptive_proportion", "startup"}) {
    TestCounters* mine = Find(test);
    const TestCounters& theirs = *other.Find(test);
    mine->passed += theirs.passed;
    mine->failed += theirs.failed;
    if (theirs.passed > 0) mine->last_statistic = theirs.last_statistic;
  }
  startup_repeats += other.startup_repeats;
  return *this;
}

const TestCounters* HealthStats::Find(const std::string& test) const {
  if (test == "total_failure") return &total_failure;
  if (test == "repetition_count") return &repetition_count;
  if (test == "adaptive_proportion") return &adaptive_proportion;
  if (test == "startup") return &startup;
  return nullptr;
}

TestCounters* HealthStats::Find(const std::string& test) {
  return const_cast<TestCounters*>(std::as_const(*this).Find(test));
}

std::optional<HealthAlarm> TotalFailureCheck(std::span<const uint8_t> chunk,
                                             const TotalFailureParams& params,
                                             uint32_t* max_count) {
  uint32_t limit = static_cast<uint32_t>(params.max_identical);
  int value = limit < 255 ? FirstOverLimit<uint8_t>(chunk, limit, max_count)
                          : FirstOverLimit<uint32_t>(chunk, limit, max_count);
  if (value < 0) return std::nullopt;
  return HealthAlarm{"total_failure",
                     "byte value " + std::to_string(value) + " occurred more than " +
                         std::to_string(limit) + " times in a chunk of " +
                         std::to_string(chunk.size()) + " bytes",
                     0};
}

HealthGate::HealthGate(HealthParams params, StartupTest startup)
    : params_(params), startup_(std::move(startup)), continuous_(params.continuous) {
  Restart();
}

void HealthGate::Restart() {
  DropTail(held_, held_.size());
  continuous_.Reset();  // its window offsets restart at in_ as well
  released_ = tf_done_ = in_;
  starting_ = params_.startup_bytes > 0;
  startup_retried_ = false;
  startup_end_ = in_ + (starting_ ? params_.startup_bytes : 0);
}

HealthStats HealthGate::stats() const {
  HealthStats s = stats_;
  s.total_failure.passed = chunks_tested_ - s.total_failure.failed;  // each failure was tested
  s.repetition_count.passed = s.adaptive_proportion.passed = continuous_.windows_passed();
  s.repetition_count.last_statistic = continuous_.last_longest_run();
  s.adaptive_proportion.last_statistic = continuous_.last_apt_count();
  return s;
}

std::optional<HealthAlarm> HealthGate::Fail(HealthAlarm alarm) {
  alarm.discarded = held_.size();
  Restart();
  return alarm;
}

std::optional<HealthAlarm> HealthGate::Push(std::span<const uint8_t> raw,
                                            SecureBytes* passed) {
  auto failure = continuous_.Feed(raw);
  held_.insert(held_.end(), raw.begin(), raw.end());
  in_ += raw.size();
  if (failure) {
    if (TestCounters* t = stats_.Find(failure->test)) ++t->failed;
    return Fail({failure->test, failure->detail, 0});
  }
  if (auto alarm = RunChunkTests()) {
    ++stats_.total_failure.failed;
    return Fail(std::move(*alarm));
  }
  if (auto alarm = RunStartupTest()) {
    ++stats_.startup.failed;
    return Fail(std::move(*alarm));
  }
  if (!starting_) Release(passed);
  return std::nullopt;
}

// A window that fails the startup test is dropped and the test repeated once on
// the next window, as AIS 31 repeats a failed basic test once: the FIPS 140-2
// block tests reject about 1 in 1,200 blocks of perfect data, so without the
// repetition a healthy device would fail one start in 1,200; with it, one in
// 1.4 million. A broken source fails both windows (and its continuous tests).
std::optional<HealthAlarm> HealthGate::RunStartupTest() {
  while (starting_ && tf_done_ >= startup_end_) {
    std::span<const uint8_t> window(held_.data(), params_.startup_bytes);
    auto alarm = startup_ ? startup_(window) : std::nullopt;
    if (!alarm) {
      ++stats_.startup.passed;
      starting_ = false;
      break;
    }
    if (startup_retried_) return alarm;
    startup_retried_ = true;
    ++stats_.startup_repeats;
    last_startup_failure_ = alarm->detail;
    PopFront(params_.startup_bytes);
    dropped_ += params_.startup_bytes;
    startup_end_ = released_ + params_.startup_bytes;
  }
  return std::nullopt;
}

// Removes (wiping) the first n unreleased bytes.
void HealthGate::PopFront(size_t n) {
  std::copy(held_.begin() + n, held_.end(), held_.begin());
  DropTail(held_, n);
  released_ += n;
}

size_t HealthGate::TakeDropped() { return std::exchange(dropped_, 0); }

std::optional<HealthAlarm> HealthGate::RunChunkTests() {
  const size_t chunk = params_.total_failure.chunk;
  const bool pairs = chunk < 256 && params_.total_failure.max_identical < 255;
  uint64_t last = stats_.total_failure.last_statistic;  // a local: no stores in the loop
  std::optional<HealthAlarm> alarm;
  while (!alarm && in_ - tf_done_ >= chunk) {
    const uint8_t* first = held_.data() + (tf_done_ - released_);
    if (pairs && in_ - tf_done_ >= 2 * chunk &&
        !EitherOverLimit(first, first + chunk, chunk,
                         static_cast<uint32_t>(params_.total_failure.max_identical),
                         &last)) {
      chunks_tested_ += 2;
      tf_done_ += 2 * chunk;
      continue;
    }
    ++chunks_tested_;  // one chunk alone, or a failing pair checked one by one
    uint32_t most = 0;
    alarm = TotalFailureCheck({first, chunk}, params_.total_failure, &most);
    if (!alarm) {
      last = most;
      tf_done_ += chunk;
    }
  }
  stats_.total_failure.last_statistic = last;
  return alarm;
}

void HealthGate::Release(SecureBytes* passed) {
  uint64_t upto = std::min(tf_done_, continuous_.apt_verified_bytes());
  if (upto <= released_) return;
  size_t n = static_cast<size_t>(upto - released_);
  passed->insert(passed->end(), held_.begin(), held_.begin() + n);
  PopFront(n);
}

}  // namespace egd
