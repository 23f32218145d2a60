// The JavaScript libraries the page may load from the system rather than
// embed: Debian packages them under /usr/share/javascript (as Apache's
// /javascript/ alias serves them), and trng-httpd serves the same tree at
// /javascript/ from [http] javascript_dir. Only the files listed in
// kLibraryFiles are served, by their exact paths: today Chart.js 3 from
// Debian's libjs-chart.js (chart.js/chart.min.js and chart.js/chart.js), for
// the status view's charts. No other path under the directory is reachable,
// so there is nothing to traverse. A file that is missing (the package is
// not installed) is 404, and the page shows its numbers without charts.
#pragma once

#include <string>
#include <string_view>

#include "httpd/api.h"

namespace httpd {

constexpr char kLibraryPrefix[] = "/javascript/";

// Paths under kLibraryPrefix, and the Debian package each comes from. (Here,
// not in the .cc: routing (api.cc) needs the list, and fuzz/ builds api.cc alone.)
struct LibraryFileEntry {
  std::string_view path;
  std::string_view package;
};
inline constexpr LibraryFileEntry kLibraryFiles[] = {
    {"/javascript/chart.js/chart.min.js", "libjs-chart.js"},
    {"/javascript/chart.js/chart.js", "libjs-chart.js"},
};

inline const LibraryFileEntry* FindLibraryFile(std::string_view path) {
  for (const LibraryFileEntry& f : kLibraryFiles) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

// Whether `path` (a request path) is one of the library files served.
inline bool IsLibraryPath(std::string_view path) { return FindLibraryFile(path) != nullptr; }

// The file's answer: 200 with its bytes (text/javascript, cacheable for a
// day), 404 when it is missing or not a regular file (the message names the
// package), 500 when it cannot be read. `dir` is [http] javascript_dir.
Response LibraryFile(const std::string& dir, std::string_view path);

// The file system path of a served library file: dir + path without /javascript.
std::string LibraryFilePath(const std::string& dir, std::string_view path);

}  // namespace httpd
