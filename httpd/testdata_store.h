// TestdataStore: the files made by generateTestdata and served by downloadFile.
//
// Each file is written to a private temporary file (mkstemp, mode 0600) in the
// configured directory and renamed into place, so no reader ever sees half a
// file, and gets its own random 128-bit token: concurrent users never share or
// overwrite a file. A file belongs to the client that generated it (its
// egd::ClientKey: behind stunnel the PROXY header's address): downloadFile
// serves it only for its token (?token= or the trng_file cookie the browser
// got from generateTestdata) and only to that client, once: it is deleted as
// soon as it has been read. There is no "latest file" fallback. Files are also
// deleted when more than max_files exist, when older than max_age (Expire,
// which the caller runs from a timer), at startup (leftovers) and at shutdown.
// The directory is created (0700) at startup and again if it disappears while
// trng-httpd runs.
//
// The files hold entropy: the default directory is on tmpfs (/run) so that
// they never reach a disk, and their content passes through secure memory only.
// Blocking file I/O on the caller's thread; single-threaded use only.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <span>
#include <string>

#include "common/status.h"
#include "httpd/api.h"
#include "httpd/config.h"
#include "httpd/random_format.h"

namespace httpd {

class TestdataStore {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TestdataStore(const FilesConfig& config) : config_(config) {}
  ~TestdataStore();
  TestdataStore(const TestdataStore&) = delete;
  TestdataStore& operator=(const TestdataStore&) = delete;

  // Creates the directory (0700) if needed and removes files left by an earlier run.
  egd::Status Open();

  // Stores `content` for `client`; *token names the new file. On error (a
  // full disk, an unwritable directory) nothing is left behind and the message
  // names the directory and the cause; the store stays usable.
  egd::Status Write(std::span<const char> content, uint64_t num_bits, FileType type,
                    const std::string& client, std::string* token);

  // The downloadFile answer: 200 with the file, which is deleted at once; 400
  // for a malformed token; 555 without a token, or when `client` has no file
  // with this token (unknown, expired, already downloaded or another client's:
  // one answer for all, so a token tells nobody else anything).
  Response Download(const std::string& token, const std::string& client);

  // Deletes files older than max_age at `now` (and retries deletions that
  // failed); returns when the next file expires, nullopt when none is left.
  std::optional<Clock::time_point> Expire(Clock::time_point now);

  size_t size() const { return files_.size(); }

  // New retention limits (the directory stays); the caller runs Expire.
  void SetRetention(size_t max_files, std::chrono::seconds max_age) {
    config_.max_files = max_files;
    config_.max_age = max_age;
  }

 private:
  struct File {
    std::string token;
    std::string path;
    std::string client;
    uint64_t num_bits = 0;
    FileType type = FileType::kBin;
    Clock::time_point created;
    bool served = false;  // downloaded; only its deletion failed (kept to retry)
  };

  egd::Status CreateTemp(std::string* temp, int* fd);
  void Prune(Clock::time_point now);
  bool Remove(const File& f);
  File* Find(const std::string& token, const std::string& client);

  FilesConfig config_;
  std::deque<File> files_;  // oldest first
};

}  // namespace httpd
