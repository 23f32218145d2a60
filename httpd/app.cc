#include "httpd/app.h"

#include <sodium.h>
#include <unistd.h>

#include <cmath>

#include "common/log.h"
#include "httpd/access.h"
#include "httpd/embedded.h"
#include "httpd/js_library.h"
#include "httpd/pollen.h"
#include "httpd/random_format.h"

namespace httpd {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kInitPoll = std::chrono::milliseconds(100);

Response NoStore(Response r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

App::App(asio::io_context& io, const Config& config)
    : io_(io),
      config_(config),
      egd_(io, config.egdd.egd, config.egdd.connections),
      control_(io, config.egdd.control, config.egdd.control_timeout),
      status_(control_, config.egdd.status_max_age),
      feed_(io, config_, status_),
      store_(config.files),
      expiry_(io) {
  clients_.Configure(config.limits.client_rate_limit, config.limits.client_burst);
}

egd::Status App::Start() {
  if (sodium_init() < 0) return egd::Status::Error("libsodium failed to initialise");
  egd::Status st = store_.Open();
  if (!st.ok()) return egd::Status::Error("[files] dir: " + st.message());
  std::string chart = LibraryFilePath(config_.http.javascript_dir, "/javascript/chart.js/chart.min.js");
  if (::access(chart.c_str(), R_OK) != 0) {
    egd::Log(egd::LogLevel::kWarning, "status view: ", chart, " is missing: the page shows no "
             "charts (install libjs-chart.js, or set [http] javascript_dir)");
  }
  feed_.Start();
  return st;
}

void App::Reconfigure(const Config& config) {
  config_ = config;
  feed_.Reconfigure();
  control_.set_timeout(config.egdd.control_timeout);
  status_.set_max_age(config.egdd.status_max_age);
  store_.SetRetention(config.files.max_files, config.files.max_age);
  clients_.Configure(config.limits.client_rate_limit, config.limits.client_burst);
  ScheduleExpiry();
}

void App::Stop() {
  stopped_ = true;
  feed_.Stop();
  for (const auto& t : timers_) t->cancel();
  timers_.clear();
  expiry_.cancel();
  egd_.Stop();
  control_.Stop();
}

bool App::OpenClient(const std::string& client) {
  if (clients_.Connections(client) >= config_.http.PerAddressLimit()) {
    metrics_.ConnectionRefused("per_address");
    return false;
  }
  clients_.Connect(client, Clock::now());
  return true;
}

void App::CloseClient(const std::string& client) { clients_.Disconnect(client, Clock::now()); }

void App::Handle(const Request& request, Reply reply) {
  Action action = Route(request, config_.limits, config_.pollen.enabled);
  std::string label = action.label;
  Reply counted = [this, label, reply = std::move(reply)](Response r) {
    metrics_.CountRequest(label, r.status);
    reply(std::move(r));
  };
  if (stopped_) return counted(JsonResponse(503, "trng-httpd is stopping"));
  if (std::optional<Refusal> no = CheckAccess(request, action, config_.http.allowed_hosts)) {
    metrics_.RequestRefused(no->reason);
    egd::Log(egd::LogLevel::kInfo, "refused ", label, " from ", request.client, " (",
             RoleName(request.role), "): ", no->reason, " ", no->response.status);
    return counted(std::move(no->response));
  }
  Dispatch(action, request, std::move(counted));
}

void App::Dispatch(const Action& a, const Request& request, Reply reply) {
  switch (a.op) {
    case Op::kInit:
    case Op::kShutdown:
    case Op::kRestart: return Control(a, std::move(reply));
    case Op::kGetRandom: return GetRandom(a, request.client, std::move(reply));
    case Op::kGenerateTestdata: return GenerateTestdata(a, request.client, std::move(reply));
    case Op::kDownloadFile: {
      Response r = store_.Download(a.token, request.client);
      ScheduleExpiry();
      return reply(NoStore(std::move(r)));
    }
    case Op::kPollen: return Pollen(a, request.client, std::move(reply));
    case Op::kPage: return reply(Page(a));
    case Op::kLibrary: return reply(LibraryFile(config_.http.javascript_dir, a.page));
    case Op::kEvents: return Events(request, std::move(reply));
    case Op::kError: return reply(a.error);
    case Op::kHealthz: return WithStatus(Healthz, std::move(reply));
    case Op::kMetrics:
      metrics_.SetEventStreams(feed_.streams());
      return WithStatus([this](const DeviceStatus& s) {
        Response r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.SetText(metrics_.Render(s));
        return r;
      }, std::move(reply));
    case Op::kStatus:
      return WithStatus([this, role = request.role](const DeviceStatus& s) {
        return Status(s, role);
      }, std::move(reply));
  }
}

// The page's System tab reads "role" to say whether control is possible here.
Response App::Status(const DeviceStatus& s, Role role) const {
  Response r;
  nlohmann::json j = {{"egdd_reachable", s.reachable}, {"state", s.state},
                      {"role", RoleName(role)}};
  if (s.reachable) j["egdd"] = s.raw;
  else j["error"] = s.error;
  r.SetText(j.dump());
  return NoStore(r);
}

// The status view's stream: subscribed to the feed (which sends its first
// frames into the session's queue at once), or 503 beyond the stream limits.
// HEAD gets the stream's headers only.
void App::Events(const Request& request, Reply reply) {
  Response r;
  r.stream = true;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Accel-Buffering", "no");  // proxies: pass each event on at once
  if (request.method == "HEAD") return reply(std::move(r));
  std::string refused;
  std::optional<uint64_t> id = feed_.Subscribe(request.client, request.role, request.sink, &refused);
  if (!id) {
    metrics_.RequestRefused(refused);
    const StatusConfig& c = config_.status;
    Response busy = JsonResponse(
        503,
        "too many live status streams open (" + refused + ": " +
            std::to_string(refused == "max_streams" ? c.max_streams : c.max_streams_per_address) +
            "); retry later, or poll /trng/randomNum/status",
        {{"refused", refused}});
    busy.headers.emplace_back("Retry-After", "30");
    return reply(NoStore(std::move(busy)));
  }
  r.stream_id = *id;
  reply(std::move(r));
}

// Monitoring asks egdd every time (no cached state in /metrics or /healthz).
void App::WithStatus(std::function<Response(const DeviceStatus&)> make, Reply reply) {
  status_.Refresh([make = std::move(make), reply = std::move(reply)](const DeviceStatus& s) {
    reply(make(s));
  });
}

// 429 when `client` may not take `bytes` now; else spends them.
std::optional<Response> App::RateLimit(const std::string& client, uint64_t bytes) {
  auto now = Clock::now();
  if (clients_.Allowance(client, now) >= bytes) {
    clients_.Served(client, bytes);
    return std::nullopt;
  }
  metrics_.RequestRefused("rate_limit");
  double wait = std::chrono::duration<double>(clients_.WaitFor(client, bytes, now)).count();
  uint64_t seconds = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(wait)));
  const LimitsConfig& lim = config_.limits;
  Response r = JsonResponse(
      429,
      "rate limit: each client may take " + std::to_string(lim.client_rate_limit) +
          " random bytes per second (bursts up to " + std::to_string(lim.client_burst) +
          "); this request needs " + std::to_string(bytes) + ": retry in " +
          std::to_string(seconds) + " s",
      {{"bytes_wanted", bytes}, {"retry_after_s", seconds}});
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

// Checks egdd's state and the client's rate limit, reads `bytes` random bytes
// and answers use(bytes); on a timeout the state is asked again to pick the
// right error.
void App::WithRandom(const std::string& client, uint64_t bytes, Reply reply, Use use) {
  status_.Get([this, client, bytes, reply = std::move(reply),
               use = std::move(use)](const DeviceStatus& s) {
    if (std::optional<Response> gate = RandomGate(s)) return reply(*gate);
    if (std::optional<Response> limited = RateLimit(client, bytes)) return reply(*limited);
    auto timeout = config_.egdd.random_timeout;
    egd_.Read(bytes, timeout, [this, bytes, timeout, reply, use](egd::EgdClient::Result r) {
      if (r.ok) {
        metrics_.AddRandomBytes(bytes);
        Response response = use(r.bytes);
        egd::WipeContents(r.bytes);
        return reply(NoStore(std::move(response)));
      }
      if (!r.timed_out) {
        egd::Log(egd::LogLevel::kWarning, "EGD read failed: ", r.error);
        return reply(EgdFailure(r.error));
      }
      status_.Refresh([reply, received = r.received, bytes, timeout](const DeviceStatus& now) {
        reply(RandomTimeout(now, received, bytes, timeout));
      });
    });
  });
}

void App::GetRandom(const Action& a, const std::string& client, Reply reply) {
  uint64_t bits = a.num_bits, quantity = a.quantity;
  WithRandom(client, BytesForBits(bits * quantity), std::move(reply),
             [bits, quantity](egd::SecureBytes& bytes) {
               Response r;
               r.body = NumbersJson(bytes, bits, quantity);
               return r;
             });
}

void App::GenerateTestdata(const Action& a, const std::string& client, Reply reply) {
  uint64_t bits = a.num_bits;
  FileType type = a.filetype;
  WithRandom(client, BytesForBits(bits), std::move(reply),
             [this, bits, type, client](egd::SecureBytes& bytes) {
    egd::SecureChars content = TestdataContent(bytes, bits, type);
    std::string token;
    egd::Status st = store_.Write(content, bits, type, client, &token);
    ScheduleExpiry();
    if (!st.ok()) {
      egd::Log(egd::LogLevel::kError, "test data file: ", st.message());
      return JsonResponse(555, "cannot write the test data file: " + st.message());
    }
    std::string ext = type == FileType::kBin ? "bin" : "txt";
    Response r = JsonResponse(200, "Generation successful",
                              {{"token", token},
                               {"numBits", bits},
                               {"filetype", ext},
                               {"bytes", type == FileType::kBin ? BytesForBits(bits) : bits + 1},
                               {"expires_in_s", config_.files.max_age.count()},
                               {"download", std::string(kApiPrefix) + "downloadFile?token=" + token}});
    r.headers.emplace_back("Set-Cookie", std::string(kTokenCookie) + "=" + token +
                                             "; Path=/trng/randomNum; HttpOnly; SameSite=Strict");
    return r;
  });
}

void App::Pollen(const Action& a, const std::string& client, Reply reply) {
  std::string challenge = a.challenge;
  WithRandom(client, config_.pollen.bytes, std::move(reply), [challenge](egd::SecureBytes& bytes) {
    Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = PollenAnswer(challenge, bytes);
    return r;
  });
}

// Keeps one timer at the next test data file's expiry.
void App::ScheduleExpiry() {
  if (stopped_) return;
  std::optional<Clock::time_point> next = store_.Expire(Clock::now());
  expiry_.cancel();
  if (!next) return;
  expiry_.expires_at(*next);
  expiry_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) ScheduleExpiry();
  });
}

void App::Control(const Action& a, Reply reply) {
  Op op = a.op;
  std::string command = op == Op::kInit ? "init" : op == Op::kShutdown ? "shutdown" : "restart";
  egd::Log(egd::LogLevel::kInfo, "control: ", command);
  control_.Request(command, [this, op, reply](bool ok, const std::string& error,
                                              const std::string& text) {
    status_.Invalidate();
    ControlOutcome outcome = MapControlReply(op, ok, error, text);
    if (!outcome.wait_running) return reply(outcome.response);
    WaitRunning(op, Clock::now() + config_.egdd.init_timeout, outcome.from_standby, reply);
  });
}

// Polls egdd until it leaves "initializing" or the deadline passes.
void App::WaitRunning(Op op, Clock::time_point deadline, bool from_standby, Reply reply) {
  status_.Refresh([this, op, deadline, from_standby, reply](const DeviceStatus& s) {
    bool timed_out = Clock::now() >= deadline;
    if (!s.reachable || s.state != "initializing" || timed_out || stopped_) {
      return reply(AfterInitWait(op, s, timed_out, config_.egdd.init_timeout, from_standby));
    }
    auto timer = std::make_shared<asio::steady_timer>(io_, std::min(Clock::now() + kInitPoll, deadline));
    timers_.insert(timer);
    timer->async_wait([this, timer, op, deadline, from_standby,
                       reply](const boost::system::error_code& ec) {
      timers_.erase(timer);
      if (!ec) WaitRunning(op, deadline, from_standby, reply);
    });
  });
}

Response App::Page(const Action& a) const {
  const EmbeddedFile* f = FindEmbedded(a.page);
  if (!f) return JsonResponse(404, "not found: /" + a.page);
  Response r;
  r.content_type = std::string(f->content_type);
  r.SetText(f->data);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  return r;
}

}  // namespace httpd
