// SPDX-License-Identifier: Apache-2.0
#include "feed/random_device.h"

#include <fcntl.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <vector>

#include "common/secure_memory.h"

namespace feed {

int CreditBits(size_t bytes, double bits_per_byte) {
  if (!(bits_per_byte > 0)) return 0;  // also nan
  double bits = std::floor(static_cast<double>(bytes) * std::min(bits_per_byte, 8.0) + 1e-6);
  return static_cast<int>(std::min(bits, 8.0 * static_cast<double>(bytes)));
}

std::optional<uint32_t> ReadEntropyAvail(const std::string& path) {
  std::ifstream in(path);
  long long bits = -1;
  if (!(in >> bits) || bits < 0 || bits > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(bits);
}

egd::Status RandomDevice::Open(const std::string& path, std::unique_ptr<RandomDevice>* out) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return egd::ErrnoStatus(path + ": cannot open for writing");
  out->reset(new RandomDevice(path, fd));
  return egd::Status::Ok();
}

RandomDevice::~RandomDevice() { ::close(fd_); }

egd::Status RandomDevice::Mix(std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return egd::Status::Error("write to " + path_ + ": " +
                                (n < 0 ? std::strerror(errno) : "nothing written"));
    }
    done += static_cast<size_t>(n);
  }
  return egd::Status::Ok();
}

egd::Status RandomDevice::AddEntropy(std::span<const uint8_t> bytes, int credit_bits) {
  assert(credit_bits >= 0 && static_cast<size_t>(credit_bits) <= 8 * bytes.size());
  // rand_pool_info ends in a flexible array of __u32: keep the storage aligned.
  size_t size = sizeof(rand_pool_info) + bytes.size();
  std::vector<uint32_t, egd::SecureAllocator<uint32_t>> storage((size + 3) / 4);
  auto* info = reinterpret_cast<rand_pool_info*>(storage.data());
  info->entropy_count = credit_bits;
  info->buf_size = static_cast<int>(bytes.size());
  std::memcpy(info->buf, bytes.data(), bytes.size());
  int rc = ::ioctl(fd_, RNDADDENTROPY, info);
  int err = errno;
  egd::WipeContents(storage);
  if (rc == 0) return egd::Status::Ok();
  std::string message = egd::ErrnoText("ioctl(RNDADDENTROPY) on " + path_, err);
  if (err == EPERM) message += " (CAP_SYS_ADMIN is needed)";
  return egd::Status::Error(message);
}

egd::Status RandomDevice::ReseedCrng() {
  if (::ioctl(fd_, RNDRESEEDCRNG) == 0) return egd::Status::Ok();
  int err = errno;
  std::string message = egd::ErrnoText("ioctl(RNDRESEEDCRNG) on " + path_, err);
  if (err == EPERM) message += " (CAP_SYS_ADMIN is needed)";
  return egd::Status::Error(message);
}

bool GetrandomProbe::Ready() {
  uint8_t byte = 0;
  ssize_t n;
  do {
    n = ::getrandom(&byte, 1, GRND_NONBLOCK);
  } while (n < 0 && errno == EINTR);
  const bool not_ready = n < 0 && errno == EAGAIN;
  egd::Wipe(&byte, 1);
  return !not_ready;
}

}  // namespace feed
