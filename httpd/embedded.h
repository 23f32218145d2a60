// The web page's files (httpd/www/), compiled into the binary by embed.cmake so
// that trng-httpd serves its page without any files installed beside it.
#pragma once

#include <span>
#include <string_view>

namespace httpd {

struct EmbeddedFile {
  std::string_view name;          // "index.html"
  std::string_view content_type;  // from the extension
  std::string_view data;
};

std::span<const EmbeddedFile> EmbeddedFiles();  // generated: www_data.cc

inline const EmbeddedFile* FindEmbedded(std::string_view name) {
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace httpd
