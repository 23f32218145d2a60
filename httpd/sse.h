// Server-sent events (the WHATWG HTML standard's text/event-stream), framed
// as pure functions: the status view's stream (GET /trng/randomNum/events,
// docs/api.md) is a sequence of these frames on one response body. No
// sockets here; httpd/http_session.h writes the frames, httpd/status_feed.h
// decides what to send.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace httpd {

// "event: NAME\ndata: LINE\n...\n\n": one data: line per line of `data` (CR,
// LF and CRLF all end a line, as the parser in the browser reads them), so a
// payload can never end the frame early or inject a field. `name` must be a
// token without line breaks (our own constants).
std::string SseEvent(std::string_view name, std::string_view data);

// ": TEXT\n\n", a comment the browser ignores: keeps proxies from timing out
// an idle stream and lets a write find a peer that is gone.
std::string SseComment(std::string_view text);

// "retry: MS\n\n": how long EventSource waits before it reconnects.
std::string SseRetry(std::chrono::milliseconds delay);

}  // namespace httpd
