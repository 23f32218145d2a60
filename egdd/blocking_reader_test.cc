// SPDX-License-Identifier: Apache-2.0
// Sources built on BlockingReader: reads on a worker thread, and a Close that
// returns at once even while the worker sits in poll(2) or read(2), its late
// result dropped.
#include "egdd/blocking_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "egdd/file_source.h"
#include "egdd/hwrng_source.h"

namespace egdd {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct TempDir {
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "egdd-reader-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

// What a source delivered.
struct Sink {
  SourceCallbacks callbacks() {
    return {[this](std::span<const uint8_t> d) { data.append(d.begin(), d.end()); ++calls; },
            [this](SourceEvent e, const std::string& w) {
              events.push_back(e);
              why = w;
              ++calls;
            }};
  }
  std::string data;
  std::vector<SourceEvent> events;
  std::string why;
  int calls = 0;
};

bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& pred,
              milliseconds timeout = milliseconds(3000)) {
  auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    io.restart();
    io.run_for(milliseconds(1));
  }
  return true;
}

milliseconds Elapsed(Clock::time_point t0) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
}

TEST_CASE("hwrng source on a FIFO: reads, then a Close that does not wait for data") {
  TempDir dir;
  std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  int writer = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(writer >= 0);
  boost::asio::io_context io;
  Sink sink;
  auto source = std::make_unique<HwrngSource>(io, sink.callbacks(), fifo);
  REQUIRE(source->Open().ok());
  source->Read(16);
  REQUIRE(::write(writer, "0123456789abcdef", 16) == 16);
  REQUIRE(RunUntil(io, [&] { return sink.data.size() == 16; }));
  CHECK(sink.data == "0123456789abcdef");
  source->Read(16);  // nobody writes: the worker waits in poll(2)
  std::this_thread::sleep_for(milliseconds(20));
  auto t0 = Clock::now();
  source->Close();
  CHECK(Elapsed(t0) < milliseconds(100));
  REQUIRE(::write(writer, "late", 4) == 4);
  RunUntil(io, [] { return false; }, milliseconds(50));
  CHECK(sink.calls == 1);
  source.reset();
  ::close(writer);
}

TEST_CASE("a worker inside read(2) without poll: Close returns at once, the late result is "
          "dropped, the worker closes its descriptor when the read ends") {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  boost::asio::io_context io;
  Sink sink;
  auto done = std::make_shared<std::atomic<bool>>(false);
  struct Tracker {
    explicit Tracker(std::shared_ptr<std::atomic<bool>> d) : done(std::move(d)) {}
    ~Tracker() { *done = true; }
    std::shared_ptr<std::atomic<bool>> done;
  };
  auto state = std::make_shared<Tracker>(done);
  auto fd = std::make_shared<OwnedFd>(p[0]);
  auto reader = std::make_unique<BlockingReader>(io);
  auto entered = std::make_shared<std::atomic<bool>>(false);
  REQUIRE(reader->Start([state, fd, entered](size_t max) {
    BlockingReader::Result r;
    r.bytes.resize(max);
    *entered = true;
    ssize_t n = ::read(fd->get(), r.bytes.data(), max);  // like /dev/hwrng: no poll first
    r.bytes.resize(n > 0 ? size_t(n) : 0);
    return r;
  }, -1, sink.callbacks()).ok());
  state.reset();
  fd.reset();
  reader->Read(8);
  while (!*entered) std::this_thread::sleep_for(milliseconds(1));
  std::this_thread::sleep_for(milliseconds(20));  // inside read(2) now
  auto t0 = Clock::now();
  reader->Close();
  reader.reset();
  CHECK(Elapsed(t0) < milliseconds(100));
  CHECK_FALSE(*done);
  REQUIRE(::write(p[1], "12345678", 8) == 8);  // the read returns; its result is dropped
  auto deadline = Clock::now() + milliseconds(3000);
  while (!*done && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(1));
  CHECK(*done);  // the worker ended and dropped its read function (and descriptor)
  RunUntil(io, [] { return false; }, milliseconds(50));
  CHECK(sink.calls == 0);
  ::close(p[1]);
}

TEST_CASE("a result posted but not yet run is dropped when the source goes away") {
  TempDir dir;
  std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  int writer = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  boost::asio::io_context io;
  Sink sink;
  auto source = std::make_unique<HwrngSource>(io, sink.callbacks(), fifo);
  REQUIRE(source->Open().ok());
  REQUIRE(::write(writer, "abcd", 4) == 4);
  source->Read(4);
  std::this_thread::sleep_for(milliseconds(50));  // posted by now; the io_context has not run
  source.reset();
  RunUntil(io, [] { return false; }, milliseconds(50));
  CHECK(sink.calls == 0);
  ::close(writer);
}

TEST_CASE("file source: replayed once, its offset kept across opens and in the offset file") {
  TempDir dir;
  std::string capture = dir / "capture", offsets = dir / "offset";
  std::string bytes(1000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + 1);
  std::ofstream(capture, std::ios::binary) << bytes;
  boost::asio::io_context io;
  Sink sink;
  {
    FileSource source(io, sink.callbacks(), capture, offsets);
    REQUIRE(source.Open().ok());
    source.Read(300);
    REQUIRE(RunUntil(io, [&] { return sink.calls == 1; }));
    CHECK(sink.data == bytes.substr(0, 300));
    std::ifstream in(offsets);
    std::string stored;
    in >> stored;
    CHECK(stored == "300");
    source.Close();
    REQUIRE(source.Open().ok());
    source.Read(1000);
    REQUIRE(RunUntil(io, [&] { return sink.calls == 2; }));
    CHECK(sink.data == bytes);
    source.Read(1000);
    REQUIRE(RunUntil(io, [&] { return sink.calls == 3; }));
    CHECK(sink.events == std::vector<SourceEvent>{SourceEvent::kEof});
  }
  FileSource again(io, sink.callbacks(), capture, offsets);  // a restart
  REQUIRE(again.Open().ok());
  again.Read(10);
  REQUIRE(RunUntil(io, [&] { return sink.calls == 4; }));
  CHECK(sink.events.size() == 2);  // nothing served twice: end of file at once
  CHECK(sink.data == bytes);
}

TEST_CASE("a missing device fails Open") {
  boost::asio::io_context io;
  Sink sink;
  HwrngSource source(io, sink.callbacks(), "/nonexistent/hwrng");
  egd::Status st = source.Open();
  CHECK_FALSE(st.ok());
  CHECK(st.message() == "cannot open /nonexistent/hwrng: No such file or directory");
}

}  // namespace
}  // namespace egdd
