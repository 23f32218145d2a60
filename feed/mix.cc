// SPDX-License-Identifier: Apache-2.0
#include "feed/mix.h"

#include <sodium.h>

#include <algorithm>
#include <cassert>
#include <cstdint>

namespace feed {
namespace {

constexpr char kDomain[] = "egd-feed mix v1";

void UpdateLe64(crypto_generichash_state* st, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  crypto_generichash_update(st, b, sizeof b);
}

}  // namespace

egd::SecureBytes MixInputs(const std::vector<const egd::SecureBytes*>& inputs) {
  assert(!inputs.empty());
  const size_t n = inputs[0]->size();
  egd::SecureBytes out(n);
  static_assert(kMixBlock == crypto_generichash_BYTES_MAX, "one BLAKE2b-512 per block");
  for (size_t j = 0, at = 0; at < n; ++j, at += kMixBlock) {
    const size_t len = std::min(kMixBlock, n - at);
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, kMixBlock);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(kDomain),
                              sizeof kDomain - 1);
    UpdateLe64(&st, inputs.size());
    UpdateLe64(&st, n);
    UpdateLe64(&st, j);
    for (const egd::SecureBytes* in : inputs) {
      assert(in->size() == n);
      crypto_generichash_update(&st, in->data() + at, len);
    }
    unsigned char block[kMixBlock];
    crypto_generichash_final(&st, block, sizeof block);
    std::copy(block, block + len, out.begin() + at);
    sodium_memzero(block, sizeof block);
    sodium_memzero(&st, sizeof st);
  }
  return out;
}

HostPool::HostPool(size_t hosts, BackoffConfig backoff, Backoff::Uniform uniform) {
  hosts_.reserve(hosts);
  for (size_t i = 0; i < hosts; ++i) hosts_.push_back(Host{Backoff(backoff, uniform)});
}

std::vector<size_t> HostPool::Choose(size_t k, TimePoint now) {
  std::vector<size_t> chosen;
  const size_t n = hosts_.size();
  const size_t start = k > 1 ? cursor_ : 0;  // k = 1: failover, the first listed first
  for (size_t step = 0; step < n && chosen.size() < k; ++step) {
    size_t i = (start + step) % n;
    if (Available(i, now)) chosen.push_back(i);
  }
  if (n > 0) cursor_ = (cursor_ + 1) % n;
  if (chosen.empty() && n > 0) {
    // All are backing off, so the Schedule's own backoff (the feed failed as a
    // whole) spaces the attempts: try the one due back soonest rather than none.
    size_t soonest = 0;
    for (size_t i = 1; i < n; ++i) {
      if (hosts_[i].retry_at < hosts_[soonest].retry_at) soonest = i;
    }
    chosen.push_back(soonest);
  }
  return chosen;
}

void HostPool::Succeeded(size_t i) {
  hosts_[i].backoff.Reset();
  hosts_[i].retry_at = TimePoint{};
}

std::chrono::milliseconds HostPool::Failed(size_t i, TimePoint now) {
  std::chrono::milliseconds delay = hosts_[i].backoff.Next();
  hosts_[i].retry_at = now + delay;
  ++hosts_[i].failures_total;
  return delay;
}

size_t HostPool::AvailableCount(TimePoint now) const {
  size_t count = 0;
  for (size_t i = 0; i < hosts_.size(); ++i) count += Available(i, now) ? 1 : 0;
  return count;
}

TimePoint HostPool::NextRetry(TimePoint now) const {
  TimePoint next = TimePoint::max();
  for (const Host& h : hosts_) {
    if (h.retry_at > now) next = std::min(next, h.retry_at);
  }
  return next;
}

void HostPool::Reconfigure(const BackoffConfig& backoff) {
  for (Host& h : hosts_) h.backoff.Reconfigure(backoff);
}

std::optional<std::string> MixState::Update(const MixOutcome& outcome, const std::string& detail) {
  const bool full = outcome.full();
  (full ? full_ : short_) += 1;
  // The first feed says something only if short; later, a change of state or
  // of how short.
  const bool changed =
      !last_got_ ? !full : (full != last_full_ || (!full && *last_got_ != outcome.got));
  last_got_ = outcome.got;
  last_full_ = full;
  if (!changed) return std::nullopt;
  if (full) {
    return "full mix again: " + std::to_string(outcome.got) +
           " hosts per feed, credited as configured";
  }
  return "short of hosts: mixing " + std::to_string(outcome.got) + " of " +
         std::to_string(outcome.wanted) + " hosts, credit 0 until all are back" +
         (detail.empty() ? "" : " (" + detail + ")");
}

}  // namespace feed
