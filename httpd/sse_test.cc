#include "httpd/sse.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

TEST_CASE("an event is its name, one data line per payload line, and a blank line") {
  CHECK(SseEvent("status", R"({"state":"running"})") ==
        "event: status\ndata: {\"state\":\"running\"}\n\n");
  CHECK(SseEvent("x", "") == "event: x\ndata: \n\n");
}

TEST_CASE("line breaks in the payload cannot end the frame or add a field") {
  CHECK(SseEvent("x", "a\nb") == "event: x\ndata: a\ndata: b\n\n");
  CHECK(SseEvent("x", "a\r\nb") == "event: x\ndata: a\ndata: b\n\n");
  CHECK(SseEvent("x", "a\rb") == "event: x\ndata: a\ndata: b\n\n");
  CHECK(SseEvent("x", "a\n\nevent: evil") == "event: x\ndata: a\ndata: \ndata: event: evil\n\n");
  CHECK(SseEvent("x", "a\n") == "event: x\ndata: a\ndata: \n\n");
}

TEST_CASE("comments and the retry field") {
  CHECK(SseComment("keepalive") == ": keepalive\n\n");
  CHECK(SseComment("a\nb") == ": a b\n\n");
  CHECK(SseRetry(std::chrono::milliseconds(2000)) == "retry: 2000\n\n");
}

}  // namespace
}  // namespace httpd
