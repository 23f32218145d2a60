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

// Chunks tested per year at `bits_per_second` with `chunk` bytes per test.
double ChunksPerYear(double bits_per_second, size_t chunk);

}  // namespace egd
