#include "httpd/testdata_store.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace httpd {
namespace {

namespace fs = std::filesystem;
using Clock = TestdataStore::Clock;

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/testdata-store-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string path;
};

FilesConfig Files(const std::string& dir, size_t max_files = 32) {
  FilesConfig f;
  f.dir = dir + "/files";
  f.max_files = max_files;
  return f;
}

size_t CountFiles(const std::string& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

std::span<const char> Bytes(std::string_view s) { return {s.data(), s.size()}; }
std::string Text(const Response& r) { return std::string(r.text()); }

TEST_CASE("files are private, unique per request and served once, with their type") {
  TempDir tmp;
  TestdataStore store(Files(tmp.path));
  REQUIRE(store.Open().ok());
  struct stat st;
  REQUIRE(::stat((tmp.path + "/files").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  std::string a, b;
  REQUIRE(store.Write(Bytes("AAAA"), 32, FileType::kBin, "10.0.0.1", &a).ok());
  REQUIRE(store.Write(Bytes("0101\n"), 4, FileType::kTxt, "10.0.0.2", &b).ok());
  CHECK(a != b);
  CHECK(a.size() == 32);
  for (const auto& e : fs::directory_iterator(tmp.path + "/files")) {
    REQUIRE(::stat(e.path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  Response r = store.Download(a, "10.0.0.1");
  CHECK(r.status == 200);
  CHECK(Text(r) == "AAAA");
  CHECK(r.content_type == "application/octet-stream");
  CHECK(r.headers[0].second == "attachment; filename=\"testdata_32bits.bin\"");
  CHECK(CountFiles(tmp.path + "/files") == 1);  // deleted once downloaded
  CHECK(store.Download(a, "10.0.0.1").status == 555);  // served once
  r = store.Download(b, "10.0.0.2");
  CHECK(Text(r) == "0101\n");
  CHECK(r.content_type == "text/plain");
  CHECK(store.size() == 0);
  CHECK(CountFiles(tmp.path + "/files") == 0);
}

TEST_CASE("a token serves only the client that generated it; no token is 555") {
  TempDir tmp;
  TestdataStore store(Files(tmp.path));
  REQUIRE(store.Open().ok());
  std::string t;
  REQUIRE(store.Write(Bytes("mine"), 32, FileType::kBin, "203.0.113.7", &t).ok());
  Response none = store.Download("", "203.0.113.7");  // the old parameterless way
  CHECK(none.status == 555);
  CHECK(Text(none).find("needs the token that generateTestdata returned") != std::string::npos);
  Response other = store.Download(t, "198.51.100.9");
  CHECK(other.status == 555);
  CHECK(Text(other).find("belongs to another client") != std::string::npos);
  CHECK(store.Download(std::string(32, '0'), "203.0.113.7").status == 555);
  CHECK(store.Download("../../etc/passwd", "x").status == 400);
  CHECK(CountFiles(tmp.path + "/files") == 1);  // refusals delete nothing
  CHECK(Text(store.Download(t, "203.0.113.7")) == "mine");
}

TEST_CASE("files expire after max_age; Expire says when the next one does") {
  TempDir tmp;
  FilesConfig files = Files(tmp.path);
  files.max_age = std::chrono::seconds(600);
  TestdataStore store(files);
  REQUIRE(store.Open().ok());
  CHECK_FALSE(store.Expire(Clock::now()));
  auto before = Clock::now();
  std::string t1, t2;
  REQUIRE(store.Write(Bytes("1"), 8, FileType::kBin, "p", &t1).ok());
  REQUIRE(store.Write(Bytes("2"), 8, FileType::kBin, "p", &t2).ok());
  std::optional<Clock::time_point> next = store.Expire(Clock::now());
  REQUIRE(next);
  CHECK(*next > before + std::chrono::seconds(600));
  CHECK(*next < Clock::now() + std::chrono::seconds(601));
  CHECK_FALSE(store.Expire(*next + std::chrono::seconds(1)));
  CHECK(store.size() == 0);
  CHECK(CountFiles(files.dir) == 0);
  store.SetRetention(32, std::chrono::seconds(1));
  REQUIRE(store.Write(Bytes("3"), 8, FileType::kBin, "p", &t1).ok());
  CHECK(store.Expire(Clock::now() + std::chrono::seconds(2)) == std::nullopt);
  CHECK(store.Download(t1, "p").status == 555);
}

TEST_CASE("old files are pruned; leftovers and all files are removed") {
  TempDir tmp;
  FilesConfig files = Files(tmp.path, 2);
  {
    TestdataStore store(files);
    REQUIRE(store.Open().ok());
    std::string t1, t2, t3;
    store.Write(Bytes("1"), 8, FileType::kBin, "p", &t1);
    store.Write(Bytes("2"), 8, FileType::kBin, "p", &t2);
    store.Write(Bytes("3"), 8, FileType::kBin, "p", &t3);
    CHECK(store.size() == 2);
    CHECK(CountFiles(files.dir) == 2);
    CHECK(store.Download(t1, "p").status == 555);
    CHECK(Text(store.Download(t3, "p")) == "3");
  }
  CHECK(CountFiles(files.dir) == 0);  // the destructor deletes them
  std::FILE* f = std::fopen((files.dir + "/testdata-old.bin").c_str(), "w");
  std::fclose(f);
  f = std::fopen((files.dir + "/keep.me").c_str(), "w");
  std::fclose(f);
  TestdataStore again(files);
  REQUIRE(again.Open().ok());
  CHECK(CountFiles(files.dir) == 1);  // only the file that is not ours
}

// Files may grow to `bytes` at most while this lives: a write beyond fails with
// EFBIG (SIGXFSZ ignored), as a full disk fails with ENOSPC.
struct FileSizeLimit {
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved);
    old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim = saved;
    lim.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
  }
  rlimit saved{};
  void (*old_handler)(int) = nullptr;
};

TEST_CASE("a failed write names the directory and leaves nothing behind") {
  TempDir tmp;
  FilesConfig files = Files(tmp.path);
  TestdataStore store(files);
  REQUIRE(store.Open().ok());
  std::string kept, token;
  REQUIRE(store.Write(Bytes("kept"), 32, FileType::kBin, "p", &kept).ok());
  {
    FileSizeLimit limit(4096);
    std::string big(8192, 'x');
    egd::Status st = store.Write(Bytes(big), 65536, FileType::kBin, "p", &token);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() == "cannot write a file in " + files.dir + ": " + std::strerror(EFBIG));
  }
  CHECK(token.empty());
  CHECK(store.size() == 1);
  CHECK(CountFiles(files.dir) == 1);  // no temporary file left
  CHECK(Text(store.Download(kept, "p")) == "kept");  // the good file is still served
  REQUIRE(store.Write(Bytes("next"), 32, FileType::kBin, "p", &token).ok());
  CHECK(Text(store.Download(token, "p")) == "next");
}

TEST_CASE("a directory replaced by a file is an error naming it; a removed one is made again") {
  TempDir tmp;
  FilesConfig files = Files(tmp.path);
  TestdataStore store(files);
  REQUIRE(store.Open().ok());
  std::string token;
  fs::remove_all(files.dir);
  std::FILE* f = std::fopen(files.dir.c_str(), "w");
  std::fclose(f);
  egd::Status st = store.Write(Bytes("x"), 8, FileType::kBin, "p", &token);
  CHECK(st.message() == "cannot create a file in " + files.dir + ": " + std::strerror(ENOTDIR));
  fs::remove(files.dir);
  REQUIRE(store.Write(Bytes("y"), 8, FileType::kBin, "p", &token).ok());
  struct stat sb;
  REQUIRE(::stat(files.dir.c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0700);
  CHECK(Text(store.Download(token, "p")) == "y");
  fs::remove_all(tmp.path);  // the parent is gone too: not made again
  st = store.Write(Bytes("z"), 8, FileType::kBin, "p", &token);
  CHECK(st.message() == "cannot create " + files.dir + ": " + std::strerror(ENOENT));
}

}  // namespace
}  // namespace httpd
