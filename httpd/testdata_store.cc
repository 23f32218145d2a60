#include "httpd/testdata_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/log.h"

namespace httpd {
namespace {

using egd::Status;

constexpr std::string_view kPrefix = "testdata-";
constexpr std::string_view kTempPrefix = ".tmp-testdata-";


std::string NewToken() {
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);  // names, not entropy for users: the OS CSPRNG is fine
  char hex[2 * sizeof raw + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  return hex;
}

bool ValidToken(const std::string& token) {
  return token.size() == 32 && token.find_first_not_of("0123456789abcdef") == std::string::npos;
}

const char* Extension(FileType t) { return t == FileType::kBin ? "bin" : "txt"; }

Status WriteAll(int fd, std::span<const char> content, const std::string& what) {
  while (!content.empty()) {
    ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return egd::ErrnoStatus(what);
    content = content.subspan(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// The whole file, read straight into secure memory (no stream buffers).
Status ReadAll(const std::string& path, egd::SecureChars* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return egd::ErrnoStatus("cannot open the test data file");
  struct stat st {};
  Status result = Status::Ok();
  if (::fstat(fd, &st) != 0) result = egd::ErrnoStatus("cannot read the test data file");
  if (result.ok()) out->resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (result.ok() && got < out->size()) {
    ssize_t n = ::read(fd, out->data() + got, out->size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) result = egd::ErrnoStatus("cannot read the test data file");
    if (n == 0) result = Status::Error("cannot read the test data file: it was truncated");
    if (n > 0) got += static_cast<size_t>(n);
  }
  ::close(fd);
  return result;
}

}  // namespace

TestdataStore::~TestdataStore() {
  for (const File& f : files_) Remove(f);
}

Status TestdataStore::Open() {
  if (::mkdir(config_.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return egd::ErrnoStatus("cannot create " + config_.dir);
  }
  DIR* dir = ::opendir(config_.dir.c_str());
  if (!dir) return egd::ErrnoStatus("cannot open " + config_.dir);
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name.starts_with(kPrefix) || name.starts_with(kTempPrefix)) stale.emplace_back(name);
  }
  ::closedir(dir);
  for (const std::string& name : stale) ::unlink((config_.dir + "/" + name).c_str());
  if (!stale.empty()) egd::Log(egd::LogLevel::kInfo, "removed ", stale.size(), " old test data files");
  return Status::Ok();
}

// A private temporary file in the directory; the directory is made again (0700)
// if it has gone, e.g. removed by a clean-up of /run while trng-httpd runs.
Status TestdataStore::CreateTemp(std::string* temp, int* fd) {
  for (bool retried = false;; retried = true) {
    *temp = config_.dir + "/" + std::string(kTempPrefix) + "XXXXXX";
    *fd = ::mkostemp(temp->data(), O_CLOEXEC);  // mode 0600
    if (*fd >= 0) return Status::Ok();
    if (errno != ENOENT || retried) return egd::ErrnoStatus("cannot create a file in " + config_.dir);
    if (::mkdir(config_.dir.c_str(), 0700) != 0) return egd::ErrnoStatus("cannot create " + config_.dir);
    egd::Log(egd::LogLevel::kWarning, "test data directory ", config_.dir,
             " had disappeared: made it again");
  }
}

Status TestdataStore::Write(std::span<const char> content, uint64_t num_bits, FileType type,
                            const std::string& client, std::string* token) {
  std::string temp;
  int fd = -1;
  Status st = CreateTemp(&temp, &fd);
  if (!st.ok()) return st;
  st = WriteAll(fd, content, "cannot write a file in " + config_.dir);
  if (::close(fd) != 0 && st.ok()) st = egd::ErrnoStatus("cannot close a file in " + config_.dir);
  File f{NewToken(), "", client, num_bits, type, Clock::now()};
  f.path = config_.dir + "/" + std::string(kPrefix) + f.token + "." + Extension(type);
  if (st.ok() && ::rename(temp.c_str(), f.path.c_str()) != 0) {
    st = egd::ErrnoStatus("cannot rename a file in " + config_.dir);
  }
  if (!st.ok()) {
    ::unlink(temp.c_str());  // no partial file stays behind (a full disk gets its room back)
    return st;
  }
  *token = f.token;
  files_.push_back(std::move(f));
  Prune(Clock::now());
  return Status::Ok();
}

// True when the file is gone.
bool TestdataStore::Remove(const File& f) {
  if (::unlink(f.path.c_str()) == 0 || errno == ENOENT) return true;
  egd::Log(egd::LogLevel::kWarning, egd::ErrnoText("cannot delete " + f.path));
  return false;
}

void TestdataStore::Prune(Clock::time_point now) {
  std::erase_if(files_, [this](const File& f) { return f.served && Remove(f); });
  while (!files_.empty() &&
         (files_.size() > config_.max_files || now - files_.front().created > config_.max_age)) {
    Remove(files_.front());
    files_.pop_front();
  }
}

std::optional<TestdataStore::Clock::time_point> TestdataStore::Expire(Clock::time_point now) {
  Prune(now);
  if (files_.empty()) return std::nullopt;
  // A served file whose deletion failed is retried a second later.
  auto next = files_.front().created + config_.max_age + std::chrono::milliseconds(1);
  for (const File& f : files_) {
    if (f.served) next = std::min(next, now + std::chrono::seconds(1));
  }
  return next;
}

TestdataStore::File* TestdataStore::Find(const std::string& token, const std::string& client) {
  for (File& f : files_) {
    if (!f.served && sodium_memcmp(f.token.data(), token.data(), token.size()) == 0 &&
        f.client == client) {
      return &f;
    }
  }
  return nullptr;
}

Response TestdataStore::Download(const std::string& token, const std::string& client) {
  if (token.empty()) {
    return JsonResponse(555, "no test data file named: downloadFile needs the token that "
                             "generateTestdata returned, as ?token= or in the trng_file cookie",
                        {{"parameter", "token"}});
  }
  if (!ValidToken(token)) {
    return JsonResponse(400, "token must be the 32 hex digits returned by generateTestdata",
                        {{"parameter", "token"}});
  }
  Prune(Clock::now());
  File* f = Find(token, client);
  if (!f) {
    return JsonResponse(555, "no such test data file for this client: it expired, was already "
                             "downloaded (a file is served once), or the token belongs to another "
                             "client; call generateTestdata again");
  }
  Response r;
  if (Status st = ReadAll(f->path, &r.body); !st.ok()) return JsonResponse(555, st.message());
  r.content_type = f->type == FileType::kBin ? "application/octet-stream" : "text/plain";
  std::string name = "testdata_" + std::to_string(f->num_bits) + "bits." + Extension(f->type);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  r.headers.emplace_back("Cache-Control", "no-store");
  f->served = true;  // served once: deleted now, or at the next Expire if that fails
  Prune(Clock::now());
  return r;
}

}  // namespace httpd
