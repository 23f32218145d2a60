// SPDX-License-Identifier: Apache-2.0
#include "feed/random_device.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include <catch2/catch.hpp>

namespace feed {
namespace {

TEST_CASE("credit: bytes times bits per byte, rounded down, at most 8 per byte") {
  CHECK(CreditBits(64, 0.0) == 0);
  CHECK(CreditBits(64, 8.0) == 512);
  CHECK(CreditBits(64, 6.5) == 416);
  CHECK(CreditBits(3, 2.25) == 6);       // 6.75 rounds down
  CHECK(CreditBits(10, 0.7) == 7);       // 0.7 is not exact in binary
  CHECK(CreditBits(100, 0.29) == 29);    // 28.999999999999996 before the tolerance
  CHECK(CreditBits(1000, 0.1) == 100);
  CHECK(CreditBits(3, 0.1) == 0);
  CHECK(CreditBits(64, 9.0) == 512);     // never more than 8 per byte
  CHECK(CreditBits(64, -1.0) == 0);
  CHECK(CreditBits(64, std::nan("")) == 0);
  CHECK(CreditBits(0, 8.0) == 0);
  CHECK(CreditBits(65536, 8.0) == 524288);
}

TEST_CASE("entropy_avail is read as a number") {
  char path[] = "/tmp/feed-entropy-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << "256\n";
  CHECK(ReadEntropyAvail(path) == 256u);
  std::ofstream(path) << "garbage\n";
  CHECK_FALSE(ReadEntropyAvail(path).has_value());
  std::remove(path);
  CHECK_FALSE(ReadEntropyAvail(path).has_value());
  CHECK(ReadEntropyAvail().has_value());  // the real one, on Linux
}

TEST_CASE("a device that is not /dev/random refuses RNDADDENTROPY, with a clear message") {
  std::unique_ptr<RandomDevice> dev;
  REQUIRE(RandomDevice::Open("/dev/null", &dev).ok());
  std::vector<uint8_t> bytes(16, 0xAB);
  egd::Status st = dev->AddEntropy(bytes, 8);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().rfind("ioctl(RNDADDENTROPY) on /dev/null: ", 0) == 0);
  CHECK(bytes == std::vector<uint8_t>(16, 0xAB));  // the caller's bytes are its own to wipe
}

TEST_CASE("Mix writes every byte with write(2), and names the device on failure") {
  char path[] = "/tmp/feed-mix-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::unique_ptr<RandomDevice> dev;
  REQUIRE(RandomDevice::Open(path, &dev).ok());
  std::vector<uint8_t> bytes(70000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
  REQUIRE(dev->Mix(bytes).ok());
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(back == bytes);
  std::remove(path);

  REQUIRE(RandomDevice::Open("/dev/full", &dev).ok());
  egd::Status st = dev->Mix(bytes);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "write to /dev/full: No space left on device");
}

TEST_CASE("opening a missing device fails naming it") {
  std::unique_ptr<RandomDevice> dev;
  egd::Status st = RandomDevice::Open("/nonexistent/random", &dev);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "/nonexistent/random: cannot open for writing: No such file or directory");
}

}  // namespace
}  // namespace feed
