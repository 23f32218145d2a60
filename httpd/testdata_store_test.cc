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

TEST_CASE("files are private, unique per request and served with their type") {
  TempDir tmp;
  TestdataStore store(Files(tmp.path));
  REQUIRE(store.Open().ok());
  struct stat st;
  REQUIRE(::stat((tmp.path + "/files").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  std::string a, b;
  REQUIRE(store.Write("AAAA", 32, FileType::kBin, "10.0.0.1", &a).ok());
  REQUIRE(store.Write("0101\n", 4, FileType::kTxt, "10.0.0.2", &b).ok());
  CHECK(a != b);
  CHECK(a.size() == 32);
  for (const auto& e : fs::directory_iterator(tmp.path + "/files")) {
    REQUIRE(::stat(e.path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  Response r = store.Download(a, "anyone");
  CHECK(r.status == 200);
  CHECK(r.body == "AAAA");
  CHECK(r.content_type == "application/octet-stream");
  CHECK(r.headers[0].second == "attachment; filename=\"testdata_32bits.bin\"");
  r = store.Download("", "10.0.0.2");  // parameterless: this client's latest
  CHECK(r.body == "0101\n");
  CHECK(r.content_type == "text/plain");
  CHECK(store.Download("", "10.0.0.3").status == 555);
  CHECK(store.Download(std::string(32, '0'), "x").status == 555);
  CHECK(store.Download("../../etc/passwd", "x").status == 400);
}

TEST_CASE("old files are pruned; leftovers and all files are removed") {
  TempDir tmp;
  FilesConfig files = Files(tmp.path, 2);
  {
    TestdataStore store(files);
    REQUIRE(store.Open().ok());
    std::string t1, t2, t3;
    store.Write("1", 8, FileType::kBin, "p", &t1);
    store.Write("2", 8, FileType::kBin, "p", &t2);
    store.Write("3", 8, FileType::kBin, "p", &t3);
    CHECK(store.size() == 2);
    CHECK(CountFiles(files.dir) == 2);
    CHECK(store.Download(t1, "p").status == 555);
    CHECK(store.Download(t3, "p").body == "3");
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
  REQUIRE(store.Write("kept", 32, FileType::kBin, "p", &kept).ok());
  {
    FileSizeLimit limit(4096);
    egd::Status st = store.Write(std::string(8192, 'x'), 65536, FileType::kBin, "p", &token);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() == "cannot write a file in " + files.dir + ": " + std::strerror(EFBIG));
  }
  CHECK(token.empty());
  CHECK(store.size() == 1);
  CHECK(CountFiles(files.dir) == 1);  // no temporary file left
  CHECK(store.Download("", "p").body == "kept");  // the latest good file is still served
  REQUIRE(store.Write("next", 32, FileType::kBin, "p", &token).ok());
  CHECK(store.Download(token, "p").body == "next");
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
  egd::Status st = store.Write("x", 8, FileType::kBin, "p", &token);
  CHECK(st.message() == "cannot create a file in " + files.dir + ": " + std::strerror(ENOTDIR));
  fs::remove(files.dir);
  REQUIRE(store.Write("y", 8, FileType::kBin, "p", &token).ok());
  struct stat sb;
  REQUIRE(::stat(files.dir.c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0700);
  CHECK(store.Download(token, "p").body == "y");
  fs::remove_all(tmp.path);  // the parent is gone too: not made again
  st = store.Write("z", 8, FileType::kBin, "p", &token);
  CHECK(st.message() == "cannot create " + files.dir + ": " + std::strerror(ENOENT));
}

}  // namespace
}  // namespace httpd
