// SPDX-License-Identifier: Apache-2.0
// The kernel side of egd-feed: handing bytes to the kernel's pool and reading
// its entropy estimate.
//
// Two ways in. Mix writes the bytes to the device with write(2): on Linux
// >= 5.18 they are mixed into the input pool and credited nothing; any user
// may do it (/dev/random is 0666). AddEntropy uses ioctl(RNDADDENTROPY), which
// mixes and credits, and needs CAP_SYS_ADMIN. Either way, once the CRNG is
// initialised the bytes reach it only at its next reseed (at most 60 s later)
// unless ReseedCrng (ioctl(RNDRESEEDCRNG), CAP_SYS_ADMIN) follows.
//
// Whether the CRNG is initialised: CrngProbe, an interface so that tests can
// fake it; GetrandomProbe asks getrandom(GRND_NONBLOCK), which fails with
// EAGAIN exactly until then, and never blocks.
//
// RandomDevice owns an fd opened for writing at startup (before privileges are
// dropped). Mix writes straight from the caller's buffer; AddEntropy copies the
// bytes into a struct rand_pool_info in secure memory and wipes that copy
// whatever the outcome. The caller wipes its own buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/status.h"

namespace feed {

// Bits to credit for `bytes` bytes worth `bits_per_byte` each (in [0, 8]):
// rounded down (a tolerance of 1e-6 bit absorbs decimal fractions such as 0.1
// that binary floating point cannot hold), never more than 8 per byte.
int CreditBits(size_t bytes, double bits_per_byte);

// The kernel's entropy estimate in bits, or nullopt if it cannot be read.
std::optional<uint32_t> ReadEntropyAvail(
    const std::string& path = "/proc/sys/kernel/random/entropy_avail");

class RandomDevice {
 public:
  static egd::Status Open(const std::string& path, std::unique_ptr<RandomDevice>* out);
  ~RandomDevice();
  RandomDevice(const RandomDevice&) = delete;
  RandomDevice& operator=(const RandomDevice&) = delete;

  // Mixes `bytes` into the pool without credit: write(2), repeated after a
  // short write or EINTR until every byte is in. On error the message names the
  // device and the errno.
  egd::Status Mix(std::span<const uint8_t> bytes);

  // Mixes `bytes` into the pool and credits `credit_bits` (<= 8 * size). On
  // error the message names the device and the errno (EPERM: no CAP_SYS_ADMIN).
  egd::Status AddEntropy(std::span<const uint8_t> bytes, int credit_bits);

  // Reseeds the CRNG from the input pool now (RNDRESEEDCRNG). Fails with EPERM
  // without CAP_SYS_ADMIN, and with ENODATA before the CRNG is ready.
  egd::Status ReseedCrng();

  const std::string& path() const { return path_; }

 private:
  RandomDevice(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

class CrngProbe {
 public:
  virtual ~CrngProbe() = default;
  // True once the kernel's CRNG is initialised. Must not block.
  virtual bool Ready() = 0;
};

// getrandom(1 byte, GRND_NONBLOCK): EAGAIN means not ready. Any other error
// (ENOSYS: a kernel older than 3.17, or a filter) counts as ready: such a
// kernel is not one whose rules this models. The byte read is wiped.
class GetrandomProbe final : public CrngProbe {
 public:
  bool Ready() override;
};

}  // namespace feed
