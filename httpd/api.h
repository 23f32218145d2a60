// The manual's HTTP API as pure functions: routing a request to an Action
// (strictly: an endpoint takes only its own parameters, each once, else 400
// naming what it accepts; HEAD is routed as GET where GET only reads, else
// 405; docs/api.md lists every endpoint), and turning egdd's answers (device state,
// control replies, timeouts) into the manual's status codes and JSON bodies:
//   200 success · 400 bad parameter (extension) · 404 unknown path ·
//   403/421 refused by the access policy (httpd/access.h) · 429 rate limit ·
//   409 already in that state · 432 not initialised (standby) ·
//   503 entropy did not arrive in time (extension) ·
//   555 device lost, health alarm, egdd unreachable, or init timed out.
// No sockets here: App (app.h) performs the I/O and calls these.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/secure_memory.h"
#include "httpd/config.h"
#include "httpd/random_format.h"

namespace httpd {

class EventSink;  // httpd/status_feed.h

// The body may carry entropy (numbers, test data, pollen answers): it lives in
// locked, dont-dump memory that is wiped when released (common/secure_memory.h).
struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  egd::SecureChars body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type
  // An event stream (GET /trng/randomNum/events): the session writes these
  // headers without a Content-Length, then the frames its EventSink gets, until
  // either side closes. stream_id is the feed's (0 for HEAD: headers only).
  bool stream = false;
  uint64_t stream_id = 0;

  std::string_view text() const { return {body.data(), body.size()}; }
  void SetText(std::string_view text) { body.assign(text.begin(), text.end()); }
};

// {"message": message, ...extra}, with the given status.
Response JsonResponse(unsigned status, const std::string& message,
                      nlohmann::json extra = nlohmann::json::object());

// Reason phrases, including the manual's own codes 432 and 555.
const char* ReasonPhrase(unsigned status);

// Which listener a request came through (httpd/config.h: listen, public_listen).
enum class Role { kOperator, kPublic };
const char* RoleName(Role role);  // "operator" | "public"

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path and query
  std::string cookie;  // Cookie header
  std::string body;
  std::string client = "?";  // egd::ClientKey of the client: limits and test data owner
  Role role = Role::kPublic;  // fail closed: the session sets the listener's role
  unsigned version = 11;     // HTTP/1.1 = 11
  // Headers the access policy reads (httpd/access.h); nullopt when absent.
  std::optional<std::string> host;
  std::optional<std::string> origin;
  std::optional<std::string> sec_fetch_site;
  bool repeated_host = false;  // more than one Host header
  std::weak_ptr<EventSink> sink;  // the session, should the request become an event stream
};

enum class Op {
  kInit, kShutdown, kRestart, kGetRandom, kGenerateTestdata, kDownloadFile,
  kStatus, kEvents, kMetrics, kHealthz, kPollen, kPage, kLibrary, kError,
};

struct Action {
  Op op = Op::kError;
  std::string label;      // endpoint name in metrics
  uint64_t num_bits = 0;  // getRandom, generateTestdata
  uint64_t quantity = 0;  // getRandom
  FileType filetype = FileType::kBin;
  std::string token;      // downloadFile: ?token= or the trng_file cookie; "" = none given
  std::string challenge;  // pollen
  std::string page;       // kPage: embedded file name; kLibrary: the path under /javascript/
  Response error;         // kError: the complete answer (400, 404, 405)
};

constexpr char kTokenCookie[] = "trng_file";
constexpr char kApiPrefix[] = "/trng/randomNum/";

Action Route(const Request& request, const LimitsConfig& limits, bool pollen_enabled);

// egdd's state as trng-httpd last saw it.
struct DeviceStatus {
  bool reachable = false;
  std::string error;     // why egdd could not be asked (when !reachable)
  std::string state;     // standby | initializing | running | failed | device_lost
  nlohmann::json raw;    // egdd's full status reply
};

// From a control-socket exchange: transport error or egdd's JSON reply.
DeviceStatus ParseStatus(bool transport_ok, const std::string& error, const std::string& reply);

// Whether random bytes may be requested now; else the answer (432 or 555).
std::optional<Response> RandomGate(const DeviceStatus& status);

// A read that failed at the EGD level (connection refused or closed): 555.
Response EgdFailure(const std::string& what);

// Entropy that did not arrive within `timeout`, judged by the state now.
Response RandomTimeout(const DeviceStatus& status, uint64_t got, uint64_t wanted,
                       std::chrono::milliseconds timeout);

// A control command's reply. wait_running: init/restart was accepted and the
// answer must wait until egdd reports "running" (AfterInitWait).
// from_standby: egdd's restart found the device in standby and initialised it
// (its reply says "System was in standby"); the answer then says so.
struct ControlOutcome {
  bool wait_running = false;
  bool from_standby = false;
  Response response;
};
ControlOutcome MapControlReply(Op op, bool transport_ok, const std::string& error,
                               const std::string& reply);

// The answer to init/restart once the state left "initializing" or the wait timed out.
Response AfterInitWait(Op op, const DeviceStatus& status, bool timed_out,
                       std::chrono::milliseconds timeout, bool from_standby = false);

// /healthz: 200 while egdd answers and is not failed or lost, else 503.
Response Healthz(const DeviceStatus& status);

}  // namespace httpd
