#include "httpd/api.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "httpd/js_library.h"
#include "httpd/query.h"

namespace httpd {
namespace {

using nlohmann::json;

std::string Seconds(std::chrono::milliseconds t) {
  std::string s = std::to_string(t.count() / 1000);
  if (t.count() % 1000) s += "." + std::to_string(t.count() % 1000 + 1000).substr(1);
  return s + " s";
}

Action Error(Response r) {
  Action a;
  a.error = std::move(r);
  return a;
}

Action BadParam(const std::string& name, const std::string& message, uint64_t min, uint64_t max) {
  return Error(JsonResponse(400, message, {{"parameter", name}, {"minimum", min}, {"maximum", max}}));
}

Action MethodNotAllowed(const std::string& allow, const std::string& why = "") {
  Action a = Error(JsonResponse(405, "method not allowed; use " + allow + why));
  a.error.headers.emplace_back("Allow", allow);
  return a;
}

// HEAD is answered like GET, without the body, wherever a GET only reads.
bool IsRead(const std::string& method) { return method == "GET" || method == "HEAD"; }

constexpr char kReadMethods[] = "GET, HEAD";

// Endpoints whose GET changes something (the device state, a new test data
// file, a file that is served once) take no HEAD: RFC 9110 makes HEAD safe,
// and a link checker's HEAD must never shut the TRNG down or eat a download.
bool GetOnly(Op op) {
  return op == Op::kInit || op == Op::kShutdown || op == Op::kRestart ||
         op == Op::kGenerateTestdata || op == Op::kDownloadFile;
}

Action CheckMethod(const std::string& method, Op op, const std::string& name) {
  Action a;
  a.op = op;
  if (!GetOnly(op)) return IsRead(method) ? a : MethodNotAllowed(kReadMethods);
  if (method == "GET") return a;
  return MethodNotAllowed("GET", method == "HEAD" ? "; HEAD is not answered because GET " + name +
                                                        " changes state" : "");
}

// 400 unless every parameter is one `endpoint` accepts, each at most once.
std::optional<Action> StrictParams(const Params& p, const std::string& endpoint,
                                   const std::vector<std::string_view>& accepted) {
  std::string name, e;
  if (CheckParamNames(p, endpoint, accepted, &name, &e)) return std::nullopt;
  return Error(JsonResponse(400, e, {{"parameter", name}, {"accepted", accepted}}));
}

void ParseGetRandom(const Params& p, const LimitsConfig& lim, Action* a) {
  std::string e;
  const uint64_t max_bits = std::min(lim.max_num_bits, lim.max_total_bits);
  if (!IntParam(p, "numBits", 1, 1, max_bits, &a->num_bits, &e)) {
    *a = BadParam("numBits", e, 1, max_bits);
    return;
  }
  uint64_t max_quantity = std::min(lim.max_quantity, lim.max_total_bits / a->num_bits);
  if (!IntParam(p, "quantity", 1, 1, max_quantity, &a->quantity, &e)) {
    if (max_quantity < lim.max_quantity) {
      e += " (numBits=" + std::to_string(a->num_bits) + ": at most " +
           std::to_string(lim.max_total_bits) + " bits per request)";
    }
    *a = BadParam("quantity", e, 1, max_quantity);
  }
}

void ParseTestdata(const Params& p, const LimitsConfig& lim, Action* a) {
  std::string e;
  if (!IntParam(p, "numBits", std::min<uint64_t>(5000, lim.max_testdata_bits), 1,
                lim.max_testdata_bits, &a->num_bits, &e)) {
    *a = BadParam("numBits", e, 1, lim.max_testdata_bits);
    return;
  }
  std::string type = FindParam(p, "filetype").value_or("bin");
  if (type.starts_with(".")) type.erase(0, 1);
  if (type != "bin" && type != "txt") {
    *a = Error(JsonResponse(400, "filetype must be bin or txt", {{"parameter", "filetype"}}));
    return;
  }
  a->filetype = type == "bin" ? FileType::kBin : FileType::kTxt;
}

struct Endpoint {
  std::string_view name;
  Op op;
  std::vector<std::string_view> params;  // the only parameters it accepts
};

// The endpoints under kApiPrefix; docs/api.md documents each.
const std::vector<Endpoint>& ApiEndpoints() {
  static const std::vector<Endpoint> kEndpoints = {
      {"init", Op::kInit, {}},
      {"shutdown", Op::kShutdown, {}},
      {"restart", Op::kRestart, {}},
      {"getRandom", Op::kGetRandom, {"numBits", "quantity"}},
      {"generateTestdata", Op::kGenerateTestdata, {"numBits", "filetype"}},
      {"downloadFile", Op::kDownloadFile, {"token"}},
      {"status", Op::kStatus, {}},
      {"events", Op::kEvents, {}}};
  return kEndpoints;
}

// Method first (405), then parameter names (400), then their values (400).
Action RouteApi(const std::string& name, const Target& t, const Request& r,
                const LimitsConfig& lim) {
  const auto& all = ApiEndpoints();
  auto e = std::find_if(all.begin(), all.end(), [&name](const Endpoint& x) { return x.name == name; });
  if (e == all.end()) return Error(JsonResponse(404, "no such endpoint: " + t.path));
  Action a = CheckMethod(r.method, e->op, name);
  std::optional<Action> bad;
  if (a.op != Op::kError) bad = StrictParams(t.params, name, e->params);
  if (bad) {
    a = std::move(*bad);
  } else if (a.op == Op::kGetRandom) {
    ParseGetRandom(t.params, lim, &a);
  } else if (a.op == Op::kGenerateTestdata) {
    ParseTestdata(t.params, lim, &a);
  } else if (a.op == Op::kDownloadFile) {
    a.token = FindParam(t.params, "token").value_or(CookieValue(r.cookie, kTokenCookie));
  }
  a.label = name;
  return a;
}

Action RoutePollen(const Target& t, const Request& r) {
  if (!IsRead(r.method) && r.method != "POST") return MethodNotAllowed("GET, HEAD, POST");
  Params form;
  if (r.method == "POST" && !ParseForm(r.body, &form)) {
    return Error(JsonResponse(400, "malformed form body"));
  }
  Params all = t.params;  // challenge= may come in the query or the form body, once
  all.insert(all.end(), form.begin(), form.end());
  if (std::optional<Action> bad = StrictParams(all, "pollen", {"challenge"})) return *bad;
  Action a;
  a.op = Op::kPollen;
  a.challenge = FindParam(form, "challenge").value_or(FindParam(t.params, "challenge").value_or(""));
  if (a.challenge.empty()) {
    a = Error(JsonResponse(400, "missing challenge: this is a pollen-compatible endpoint for "
                                "pollinate(1), which POSTs challenge=<hex>",
                           {{"parameter", "challenge"}}));
  }
  a.label = "pollen";
  return a;
}

// The page ignores its query string: browsers, bookmarks and link shorteners
// add their own (?utm_source=...), and a page changes nothing.
Action RoutePage(const std::string& path, const Request& r) {
  if (!IsRead(r.method)) return MethodNotAllowed(kReadMethods);
  Action a;
  a.op = Op::kPage;
  a.page = path == "/" ? "index.html" : path.substr(1);
  return a;
}

// A system JavaScript library (httpd/js_library.h): static, like the page.
Action RouteLibrary(const std::string& path, const Request& r) {
  Action a = RoutePage(path, r);
  if (a.op == Op::kPage) {
    a.op = Op::kLibrary;
    a.page = path;
  }
  a.label = "javascript";
  return a;
}

bool IsPage(const std::string& path) {
  for (const char* p : {"/", "/index.html", "/app.js", "/style.css", "/favicon.svg"}) {
    if (path == p) return true;
  }
  return false;
}

}  // namespace

Response JsonResponse(unsigned status, const std::string& message, json extra) {
  extra["message"] = message;
  Response r;
  r.status = status;
  r.SetText(extra.dump(-1, ' ', false, json::error_handler_t::replace));  // paths may be any bytes
  return r;
}

const char* ReasonPhrase(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 421: return "Misdirected Request";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 432: return "Not Initialized";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 555: return "TRNG Error";
    default: return "Error";
  }
}

const char* RoleName(Role role) { return role == Role::kOperator ? "operator" : "public"; }

Action Route(const Request& r, const LimitsConfig& limits, bool pollen_enabled) {
  Target t;
  if (!ParseTarget(r.target, &t)) {
    Action a = Error(JsonResponse(400, "malformed request target"));
    a.label = "other";
    return a;
  }
  Action a;
  bool pollen_at_root = pollen_enabled && t.path == "/" &&
                        (r.method == "POST" || FindParam(t.params, "challenge"));
  if (t.path.starts_with(kApiPrefix)) {
    a = RouteApi(t.path.substr(sizeof kApiPrefix - 1), t, r, limits);
  } else if ((pollen_enabled && t.path == "/pollen") || pollen_at_root) {
    a = RoutePollen(t, r);
  } else if (t.path == "/metrics" || t.path == "/healthz") {
    a.op = t.path == "/metrics" ? Op::kMetrics : Op::kHealthz;
    if (!IsRead(r.method)) {
      a = MethodNotAllowed(kReadMethods);
    } else if (std::optional<Action> bad = StrictParams(t.params, t.path.substr(1), {})) {
      a = std::move(*bad);
    }
  } else if (IsPage(t.path)) {
    a = RoutePage(t.path, r);
  } else if (IsLibraryPath(t.path)) {
    a = RouteLibrary(t.path, r);
  } else {
    a = Error(JsonResponse(404, "not found: " + t.path));
  }
  if (a.label.empty()) a.label = t.path == "/metrics" ? "metrics" : t.path == "/healthz" ? "healthz"
                                 : a.op == Op::kPage || a.error.status == 405 ? "page" : "other";
  return a;
}

DeviceStatus ParseStatus(bool transport_ok, const std::string& error, const std::string& reply) {
  DeviceStatus s;
  if (!transport_ok) {
    s.error = error;
    return s;
  }
  s.raw = json::parse(reply, nullptr, false);
  if (!s.raw.is_object() || !s.raw.contains("state") || !s.raw["state"].is_string()) {
    s.error = "egdd's control socket answered something unexpected";
    return s;
  }
  s.reachable = true;
  s.state = s.raw["state"].get<std::string>();
  return s;
}

std::optional<Response> RandomGate(const DeviceStatus& s) {
  if (!s.reachable) return EgdFailure("egdd's control socket is not reachable: " + s.error);
  if (s.state == "standby") {
    return JsonResponse(432, "System not initialized; call /trng/randomNum/init first",
                        {{"state", s.state}});
  }
  if (s.state == "running" || s.state == "initializing") return std::nullopt;
  std::string reason = s.raw.value("state_reason", "");
  return JsonResponse(555, "TRNG error: device state is " + s.state +
                               (reason.empty() ? "" : " (" + reason + ")"),
                      {{"state", s.state}});
}

Response EgdFailure(const std::string& what) {
  return JsonResponse(555, "TRNG error: egdd is not available: " + what);
}

Response RandomTimeout(const DeviceStatus& s, uint64_t got, uint64_t wanted,
                       std::chrono::milliseconds timeout) {
  if (std::optional<Response> gate = RandomGate(s)) return *gate;
  if (s.state == "initializing") {
    return JsonResponse(555, "TRNG error: the device did not finish initializing within " +
                                 Seconds(timeout), {{"state", s.state}});
  }
  Response r = JsonResponse(
      503,
      "only " + std::to_string(got) + " of " + std::to_string(wanted) +
          " random bytes arrived within " + Seconds(timeout) +
          "; the device produces entropy more slowly than requested: ask for fewer bits or "
          "retry later",
      {{"state", s.state}, {"bytes_wanted", wanted}, {"bytes_received", got}});
  r.headers.emplace_back("Retry-After", "10");
  return r;
}

ControlOutcome MapControlReply(Op op, bool transport_ok, const std::string& error,
                               const std::string& reply) {
  if (!transport_ok) return {false, false, EgdFailure("egdd's control socket: " + error)};
  json j = json::parse(reply, nullptr, false);
  if (!j.is_object()) return {false, false, EgdFailure("egdd's control socket answered garbage")};
  std::string state = j.value("state", "");
  if (j.value("ok", false)) {
    if (op != Op::kShutdown) {
      bool from_standby = op == Op::kRestart &&
                          j.value("message", "").starts_with("System was in standby");
      return {true, from_standby, {}};
    }
    return {false, false, JsonResponse(200, "System successfully shutdown", {{"state", state}})};
  }
  std::string code = j.value("error", "");
  std::string message = j.value("message", code);
  json extra = {{"state", state}, {"error", code}};
  if (code == "already_initialized") {
    return {false, false, JsonResponse(409, "System already initialized", extra)};
  }
  if (code == "already_shut_down") {
    return {false, false, JsonResponse(409, "System already shut down", extra)};
  }
  if (code == "not_initialized") {
    return {false, false,
            JsonResponse(432, "System not initialized; call /trng/randomNum/init", extra)};
  }
  return {false, false, JsonResponse(555, "TRNG error: " + message, extra)};
}

Response AfterInitWait(Op op, const DeviceStatus& s, bool timed_out,
                       std::chrono::milliseconds timeout, bool from_standby) {
  if (!s.reachable) return EgdFailure("egdd's control socket is not reachable: " + s.error);
  json extra = {{"state", s.state}};
  if (from_standby) extra["was_standby"] = true;
  if (s.state == "running") {
    return JsonResponse(200, op != Op::kRestart ? "System initialised successfully"
                             : from_standby     ? "System was in standby: initialised successfully"
                                                : "System successfully restarted",
                        extra);
  }
  if (timed_out) {
    return JsonResponse(555, "TRNG error: the system did not initialize within " +
                                 Seconds(timeout) + " (state " + s.state + ")", extra);
  }
  std::string reason = s.raw.value("state_reason", "");
  return JsonResponse(555, "TRNG error: initialization failed: state " + s.state +
                               (reason.empty() ? "" : " (" + reason + ")"), extra);
}

Response Healthz(const DeviceStatus& s) {
  bool ok = s.reachable && s.state != "failed" && s.state != "device_lost";
  json j = {{"httpd", "ok"}, {"egdd", s.reachable ? s.state : "unreachable"}};
  if (!s.reachable) j["error"] = s.error;
  Response r;
  r.status = ok ? 200 : 503;
  r.SetText(j.dump());
  return r;
}

}  // namespace httpd
