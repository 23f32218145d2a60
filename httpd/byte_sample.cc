#include "httpd/byte_sample.h"

#include <bit>
#include <cmath>

#include "common/egd_codec.h"

namespace httpd {

namespace {
constexpr size_t kMaxPerRequest = 255;
}  // namespace

void ByteCounts::Add(std::span<const uint8_t> data) {
  for (uint8_t b : data) {
    ++histogram[b];
    ones += static_cast<uint64_t>(std::popcount(b));
  }
  bytes += data.size();
}

double ByteCounts::OnesFraction() const {
  return bytes ? static_cast<double>(ones) / static_cast<double>(bytes * 8) : 0;
}

double ByteCounts::ChiSquare() const {
  if (bytes == 0) return 0;
  double expected = static_cast<double>(bytes) / 256;
  double sum = 0;
  for (uint64_t n : histogram) {
    double d = static_cast<double>(n) - expected;
    sum += d * d / expected;
  }
  return sum;
}

nlohmann::json ByteCounts::Json() const {
  return {{"bytes", bytes},
          {"ones", ones},
          {"ones_fraction", OnesFraction()},
          {"chi_square", std::round(ChiSquare() * 100) / 100},
          {"histogram", histogram}};
}

size_t NonBlockingRequestCount(size_t total) { return (total + kMaxPerRequest - 1) / kMaxPerRequest; }

std::vector<uint8_t> NonBlockingRequests(size_t total) {
  std::vector<uint8_t> out;
  for (size_t left = total; left > 0;) {
    size_t n = std::min(left, kMaxPerRequest);
    egd::EncodeRequest({egd::Command::kReadNonBlocking, static_cast<uint8_t>(n), 0}, &out);
    left -= n;
  }
  return out;
}

}  // namespace httpd
