#include "httpd/js_library.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace httpd {

namespace {

constexpr off_t kMaxSize = 8 << 20;  // Chart.js is 0.5 MiB unminified

Response NotInstalled(const LibraryFileEntry& f, const std::string& file, const std::string& why) {
  return JsonResponse(404, "not found: " + std::string(f.path) + " (" + file + ": " + why +
                               "; install the Debian package " + std::string(f.package) + ")",
                      {{"package", f.package}});
}

}  // namespace

std::string LibraryFilePath(const std::string& dir, std::string_view path) {
  std::string_view rest = path.substr(sizeof kLibraryPrefix - 2);  // keeps the '/'
  std::string base = dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base + std::string(rest);
}

Response LibraryFile(const std::string& dir, std::string_view path) {
  const LibraryFileEntry* f = FindLibraryFile(path);
  if (!f) return JsonResponse(404, "not found: " + std::string(path));
  std::string file = LibraryFilePath(dir, path);
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return NotInstalled(*f, file, std::strerror(errno));
  struct stat st{};
  std::string data;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= kMaxSize;
  if (ok) {
    data.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < data.size()) {
      ssize_t n = ::read(fd, data.data() + got, data.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    ok = got == data.size();
  }
  ::close(fd);
  if (!ok) {
    if (!S_ISREG(st.st_mode)) return NotInstalled(*f, file, "not a regular file");
    return JsonResponse(500, "cannot read " + file);
  }
  Response r;
  r.content_type = "text/javascript; charset=utf-8";
  r.SetText(data);
  r.headers.emplace_back("Cache-Control", "public, max-age=86400");
  return r;
}

}  // namespace httpd
