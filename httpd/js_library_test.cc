#include "httpd/js_library.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

namespace httpd {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/js_library_test.XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string path;
};

nlohmann::json Body(const Response& r) { return nlohmann::json::parse(r.text()); }

TEST_CASE("only the listed library files are served paths") {
  CHECK(IsLibraryPath("/javascript/chart.js/chart.min.js"));
  CHECK(IsLibraryPath("/javascript/chart.js/chart.js"));
  for (const char* p : {"/javascript/", "/javascript/chart.js/", "/javascript/chart.js/chart.esm.js",
                        "/javascript/chart.js/../chart.js/chart.js", "/javascript/jquery/jquery.js",
                        "/javascript/chart.js/Chart.js", "/javascript/chart.js/chart.min.js/"}) {
    INFO(p);
    CHECK_FALSE(IsLibraryPath(p));
  }
  CHECK(LibraryFilePath("/usr/share/javascript", "/javascript/chart.js/chart.js") ==
        "/usr/share/javascript/chart.js/chart.js");
  CHECK(LibraryFilePath("/opt/js/", "/javascript/chart.js/chart.js") == "/opt/js/chart.js/chart.js");
}

TEST_CASE("a library file is served from javascript_dir, cacheable") {
  TempDir d;
  REQUIRE(mkdir((d.path + "/chart.js").c_str(), 0755) == 0);
  std::ofstream(d.path + "/chart.js/chart.min.js") << "var Chart = 1;\n";
  Response r = LibraryFile(d.path, "/javascript/chart.js/chart.min.js");
  CHECK(r.status == 200);
  CHECK(r.text() == "var Chart = 1;\n");
  CHECK(r.content_type == "text/javascript; charset=utf-8");
  CHECK(r.headers == decltype(r.headers){{"Cache-Control", "public, max-age=86400"}});
}

TEST_CASE("a missing library is 404 naming the package, and a directory is not a file") {
  TempDir d;
  Response r = LibraryFile(d.path, "/javascript/chart.js/chart.min.js");
  CHECK(r.status == 404);
  CHECK(Body(r)["package"] == "libjs-chart.js");
  CHECK(Body(r)["message"].get<std::string>().find("No such file or directory") != std::string::npos);
  REQUIRE(mkdir((d.path + "/chart.js").c_str(), 0755) == 0);
  REQUIRE(mkdir((d.path + "/chart.js/chart.js").c_str(), 0755) == 0);
  CHECK(LibraryFile(d.path, "/javascript/chart.js/chart.js").status == 404);
  CHECK(LibraryFile(d.path, "/javascript/other.js").status == 404);
}

}  // namespace
}  // namespace httpd
