// TestdataStore: the files made by generateTestdata and served by downloadFile.
//
// Each file is written to a private temporary file (mkstemp, mode 0600) in the
// configured directory and renamed into place, so no reader ever sees half a
// file, and gets its own random 128-bit token: concurrent users never share or
// overwrite a file. Which file downloadFile serves: the one named by ?token=
// (or the trng_file cookie the browser got from generateTestdata); without
// either, the latest file generated from the same client address (the
// manual's parameterless workflow; behind a local proxy all clients share one
// address). Files are deleted when more than max_files exist, when older than
// max_age, at startup (leftovers) and at shutdown. The directory is created
// (0700) at startup and again if it disappears while trng-httpd runs.
//
// The files hold entropy, so the default directory is on tmpfs (/run): they
// never reach a disk unless the operator configures a disk directory.
// Blocking file I/O on the caller's thread; single-threaded use only.
#pragma once

#include <chrono>
#include <deque>
#include <string>
#include <string_view>

#include "common/status.h"
#include "httpd/api.h"
#include "httpd/config.h"
#include "httpd/random_format.h"

namespace httpd {

class TestdataStore {
 public:
  explicit TestdataStore(const FilesConfig& config) : config_(config) {}
  ~TestdataStore();
  TestdataStore(const TestdataStore&) = delete;
  TestdataStore& operator=(const TestdataStore&) = delete;

  // Creates the directory (0700) if needed and removes files left by an earlier run.
  egd::Status Open();

  // Stores `content`; *token names the new file. On error (a full disk, an
  // unwritable directory) nothing is left behind and the message names the
  // directory and the cause; the store stays usable.
  egd::Status Write(std::string_view content, uint64_t num_bits, FileType type,
                    const std::string& peer, std::string* token);

  // The downloadFile answer for `token` (or, if empty, `peer`'s latest file):
  // 200 with the file, 400 for a malformed token, 555 if there is no such file.
  Response Download(const std::string& token, const std::string& peer);

  size_t size() const { return files_.size(); }

  // New retention limits (the directory stays): applied at the next Write.
  void SetRetention(size_t max_files, std::chrono::seconds max_age) {
    config_.max_files = max_files;
    config_.max_age = max_age;
  }

 private:
  struct File {
    std::string token;
    std::string path;
    std::string peer;
    uint64_t num_bits = 0;
    FileType type = FileType::kBin;
    std::chrono::steady_clock::time_point created;
  };

  egd::Status CreateTemp(std::string* temp, int* fd);
  void Prune();
  void Remove(const File& f);
  const File* Find(const std::string& token, const std::string& peer) const;

  FilesConfig config_;
  std::deque<File> files_;  // oldest first
};

}  // namespace httpd
