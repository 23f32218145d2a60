// SPDX-License-Identifier: Apache-2.0
// A real SerialSource on pseudo-terminals (openpty), the test playing the
// device: destroyed and reloaded while its read is pending. Under ASan these
// prove that a queued, aborted read handler never touches a source (or a
// port) that is gone.
#include "egdd/serial_source.h"

#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "egdd/daemon_harness.h"
#include "firmware/core/frame.h"

namespace egdd {
namespace {

using std::chrono::milliseconds;

// The device end of a pseudo-terminal pair; the source opens `path`.
class Pty {
 public:
  Pty() {
    int slave = -1;
    termios raw{};
    ::cfmakeraw(&raw);  // no echo of what the device sends
    REQUIRE(::openpty(&master_, &slave, nullptr, &raw, nullptr) == 0);
    path_ = ::ttyname(slave);
    ::close(slave);  // the source opens its own end by name
    ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
  }
  ~Pty() { ::close(master_); }
  const std::string& path() const { return path_; }

  // Everything the host sent so far (lines like "on\n").
  std::string Received() {
    char buf[512];
    ssize_t n;
    while ((n = ::read(master_, buf, sizeof buf)) > 0) got_.append(buf, size_t(n));
    return got_;
  }
  void Line(const std::string& text) {
    uint8_t out[trng::kMaxLineSize];
    Write(out, trng::EncodeLine(text.data(), text.size(), out));
  }
  void Data(const egd::SecureBytes& bytes) {
    for (size_t at = 0; at < bytes.size(); at += trng::kDevicePayload) {
      size_t n = std::min(trng::kDevicePayload, bytes.size() - at);
      uint8_t out[trng::kMaxFrameSize];
      Write(out, trng::EncodeDataFrame(seq_++, bytes.data() + at, n, out));
    }
  }

 private:
  void Write(const uint8_t* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(master_, p, n);
      if (w < 0 && errno == EAGAIN) continue;
      REQUIRE(w > 0);
      p += w;
      n -= size_t(w);
    }
  }
  int master_ = -1;
  std::string path_;
  std::string got_;
  uint16_t seq_ = 0;
};

TEST_CASE("serial source destroyed while a read is pending: its handler finds nothing") {
  Pty pty;
  boost::asio::io_context io;
  int calls = 0;
  SourceCallbacks cb{[&](std::span<const uint8_t>) { ++calls; },
                     [&](SourceEvent, const std::string&) { ++calls; }};
  auto source = std::make_unique<SerialSource>(io, SerialConfig{pty.path(), 9600}, cb);
  REQUIRE(source->Open().ok());
  CHECK(pty.Received().empty());  // Open sends nothing
  source->Start();
  CHECK(pty.Received() == "on\n");
  source->Read(16);  // the port read is pending; no data comes
  io.run_for(milliseconds(20));
  source.reset();  // "off", port closed: the read is aborted, its handler still queued
  pty.Data(HealthyBytes(64));
  io.restart();
  io.run_for(milliseconds(50));
  CHECK(calls == 0);
  CHECK(pty.Received() == "on\noff\n");
}

TEST_CASE("serial source opened but never started (a reload that failed) sends nothing") {
  Pty pty;
  boost::asio::io_context io;
  SourceCallbacks cb{[](std::span<const uint8_t>) {}, [](SourceEvent, const std::string&) {}};
  auto source = std::make_unique<SerialSource>(io, SerialConfig{pty.path(), 9600}, cb);
  REQUIRE(source->Open().ok());
  source.reset();
  io.run_for(milliseconds(10));
  CHECK(pty.Received().empty());  // no "off" to a device another source may be driving
}

TEST_CASE("daemon: [serial] reloaded while a read is pending; a missing port fails the reload") {
  Pty a, b;
  DaemonHarness h(Keys{{"source.kind", "\"serial\""},
                   {"serial.port", "\"" + a.path() + "\""},
                   {"health.startup_test", "false"}},
                  true, true);
  REQUIRE(h.RunUntil([&] { return a.Received() == "on\n"; }));
  a.Line("ok on");
  a.Data(HealthyBytes(256, 5));
  REQUIRE(h.RunUntil([&] { return h.daemon().device().state() == DeviceState::kRunning; }));
  // The source asked for more: a read is pending on A.
  std::string port_b = "\"" + b.path() + "\"";
  h.WriteConfig(h.ConfigText({{"source.kind", "\"serial\""}, {"serial.port", port_b},
                              {"health.startup_test", "false"}}));
  REQUIRE(h.Reload().ok());
  CHECK(a.Received() == "on\noff\n");  // the old device switched off,
  CHECK(b.Received() == "on\n");       // the new one on
  CHECK(h.daemon().device().state() == DeviceState::kInitializing);
  a.Data(HealthyBytes(64, 6));  // too late: nobody reads A any more
  b.Line("ok on");
  b.Data(HealthyBytes(256, 7));
  REQUIRE(h.RunUntil([&] { return h.daemon().device().state() == DeviceState::kRunning; }));
  uint64_t received = h.daemon().device().counters().bytes_received;
  CHECK(received > 0);
  // A port that does not exist: nothing changes.
  h.WriteConfig(h.ConfigText({{"source.kind", "\"serial\""},
                              {"serial.port", "\"/dev/egdd-test-no-such-port\""},
                              {"health.startup_test", "false"}}));
  egd::Status st = h.Reload();
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("serial.port: /dev/egdd-test-no-such-port: No such file or directory") !=
        std::string::npos);
  CHECK(h.State() == "running");
  CHECK(std::string(h.Status()["source"]).find(b.path()) != std::string::npos);
  CHECK(b.Received() == "on\n");
  // The same port at another rate: opened a second time, then the old one is
  // switched off before the new one is switched on.
  h.WriteConfig(h.ConfigText({{"source.kind", "\"serial\""}, {"serial.port", port_b},
                              {"serial.baud_rate", "115200"},
                              {"health.startup_test", "false"}}));
  REQUIRE(h.Reload().ok());
  CHECK(b.Received() == "on\noff\non\n");
  b.Line("ok on");
  b.Data(HealthyBytes(256, 8));
  REQUIRE(h.RunUntil([&] { return h.daemon().device().counters().bytes_received > received; }));
}

}  // namespace
}  // namespace egdd
