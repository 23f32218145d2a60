// The arithmetic behind the total failure test's false alarm rates
// (docs/health-tests.md), so that the documented figures are checked by tests.
#pragma once

#include <cstddef>

namespace egd {

// P(a given byte value occurs more than k times in n random bytes): the
// binomial tail 1 - F(k; n, 1/256). This is the manual's 1.617e-7 reading.
double SpecificValueTail(size_t n, size_t k);

// P(some byte value occurs more than k times in n random bytes): the false
// alarm probability per chunk of the test as egdd runs it (any value).
double AnyValueTail(size_t n, size_t k);

// P(X > k) for X ~ Binomial(n, p), summed over the upper tail.
double BinomialTail(size_t n, size_t k, double p);

// The total failure test's threshold for a source assessed at `entropy_per_bit`
// (health/health.h TotalFailureParams): the smallest limit >= `configured` whose
// false alarm probability per chunk of `chunk` bytes is at most that of
// `configured` on ideal bytes (AnyValueTail(chunk, configured)). The most
// likely byte of such a source has probability at most p = 2^(-8 x H); at most
// min(256, 1/p) values can have it, so the union bound min(256, 1/p) x
// BinomialTail(chunk, k, p) bounds the false alarm. Capped at chunk - 1, so a
// source stuck at any value still fails within one chunk.
size_t AssessedMaxIdentical(size_t chunk, size_t configured, double entropy_per_bit);

// Chunks tested per year at `bits_per_second` with `chunk` bytes per test.
double ChunksPerYear(double bits_per_second, size_t chunk);

}  // namespace egd
