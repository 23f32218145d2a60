#include "httpd/app.h"

#include <sodium.h>

#include "common/log.h"
#include "httpd/embedded.h"
#include "httpd/pollen.h"
#include "httpd/random_format.h"

namespace httpd {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kInitPoll = std::chrono::milliseconds(100);

void Wipe(egd::SecureBytes& v) {
  if (!v.empty()) sodium_memzero(v.data(), v.size());
}

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
      store_(config.files) {}

egd::Status App::Start() {
  if (sodium_init() < 0) return egd::Status::Error("libsodium failed to initialise");
  egd::Status st = store_.Open();
  if (!st.ok()) return egd::Status::Error("[files] dir: " + st.message());
  return st;
}

void App::Reconfigure(const Config& config) {
  config_ = config;
  control_.set_timeout(config.egdd.control_timeout);
  status_.set_max_age(config.egdd.status_max_age);
  store_.SetRetention(config.files.max_files, config.files.max_age);
}

void App::Stop() {
  stopped_ = true;
  for (const auto& t : timers_) t->cancel();
  timers_.clear();
  egd_.Stop();
  control_.Stop();
}

void App::Handle(const Request& request, Reply reply) {
  Action action = Route(request, config_.limits, config_.pollen.enabled);
  std::string label = action.label;
  Reply counted = [this, label, reply = std::move(reply)](Response r) {
    metrics_.CountRequest(label, r.status);
    reply(std::move(r));
  };
  if (stopped_) return counted(JsonResponse(503, "trng-httpd is stopping"));
  Dispatch(action, request, std::move(counted));
}

void App::Dispatch(const Action& a, const Request& request, Reply reply) {
  switch (a.op) {
    case Op::kInit:
    case Op::kShutdown:
    case Op::kRestart: return Control(a, std::move(reply));
    case Op::kGetRandom: return GetRandom(a, std::move(reply));
    case Op::kGenerateTestdata: return GenerateTestdata(a, request.peer, std::move(reply));
    case Op::kDownloadFile: return reply(store_.Download(a.token, request.peer));
    case Op::kPollen: return Pollen(a, std::move(reply));
    case Op::kPage: return reply(Page(a));
    case Op::kError: return reply(a.error);
    case Op::kHealthz: return WithStatus(Healthz, std::move(reply));
    case Op::kMetrics:
      return WithStatus([this](const DeviceStatus& s) {
        Response r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = metrics_.Render(s);
        return r;
      }, std::move(reply));
    case Op::kStatus:
      return WithStatus([](const DeviceStatus& s) {
        Response r;
        nlohmann::json j = {{"egdd_reachable", s.reachable}, {"state", s.state}};
        if (s.reachable) j["egdd"] = s.raw;
        else j["error"] = s.error;
        r.body = j.dump();
        return NoStore(r);
      }, std::move(reply));
  }
}

// Monitoring asks egdd every time (no cached state in /metrics or /healthz).
void App::WithStatus(std::function<Response(const DeviceStatus&)> make, Reply reply) {
  status_.Refresh([make = std::move(make), reply = std::move(reply)](const DeviceStatus& s) {
    reply(make(s));
  });
}

// Checks egdd's state, reads `bytes` random bytes and answers use(bytes); on
// a timeout the state is asked again to pick the right error.
void App::WithRandom(uint64_t bytes, Reply reply, Use use) {
  status_.Get([this, bytes, reply = std::move(reply), use = std::move(use)](const DeviceStatus& s) {
    if (std::optional<Response> gate = RandomGate(s)) return reply(*gate);
    auto timeout = config_.egdd.random_timeout;
    egd_.Read(bytes, timeout, [this, bytes, timeout, reply, use](egd::EgdClient::Result r) {
      if (r.ok) {
        metrics_.AddRandomBytes(bytes);
        Response response = use(r.bytes);
        Wipe(r.bytes);
        return reply(NoStore(std::move(response)));
      }
      if (!r.timed_out) {
        egd::Log(egd::LogLevel::kWarning, "EGD read failed: ", r.error);
        return reply(EgdFailure(r.error));
      }
      status_.Refresh([reply, r, bytes, timeout](const DeviceStatus& now) {
        reply(RandomTimeout(now, r.received, bytes, timeout));
      });
    });
  });
}

void App::GetRandom(const Action& a, Reply reply) {
  uint64_t bits = a.num_bits, quantity = a.quantity;
  WithRandom(BytesForBits(bits * quantity), std::move(reply),
             [bits, quantity](egd::SecureBytes& bytes) {
               Response r;
               r.body = NumbersJson(FormatNumbers(bytes, bits, quantity));
               return r;
             });
}

void App::GenerateTestdata(const Action& a, const std::string& peer, Reply reply) {
  uint64_t bits = a.num_bits;
  FileType type = a.filetype;
  WithRandom(BytesForBits(bits), std::move(reply), [this, bits, type, peer](egd::SecureBytes& bytes) {
    std::string content = TestdataContent(bytes, bits, type);
    std::string token;
    egd::Status st = store_.Write(content, bits, type, peer, &token);
    sodium_memzero(content.data(), content.size());
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
                               {"download", std::string(kApiPrefix) + "downloadFile?token=" + token}});
    r.headers.emplace_back("Set-Cookie", std::string(kTokenCookie) + "=" + token +
                                             "; Path=/trng/randomNum; HttpOnly; SameSite=Strict");
    return r;
  });
}

void App::Pollen(const Action& a, Reply reply) {
  std::string challenge = a.challenge;
  WithRandom(config_.pollen.bytes, std::move(reply), [challenge](egd::SecureBytes& bytes) {
    Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = PollenAnswer(challenge, bytes);
    return r;
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
    WaitRunning(op, Clock::now() + config_.egdd.init_timeout, reply);
  });
}

// Polls egdd until it leaves "initializing" or the deadline passes.
void App::WaitRunning(Op op, Clock::time_point deadline, Reply reply) {
  status_.Refresh([this, op, deadline, reply](const DeviceStatus& s) {
    bool timed_out = Clock::now() >= deadline;
    if (!s.reachable || s.state != "initializing" || timed_out || stopped_) {
      return reply(AfterInitWait(op, s, timed_out, config_.egdd.init_timeout));
    }
    auto timer = std::make_shared<asio::steady_timer>(io_, std::min(Clock::now() + kInitPoll, deadline));
    timers_.insert(timer);
    timer->async_wait([this, timer, op, deadline, reply](const boost::system::error_code& ec) {
      timers_.erase(timer);
      if (!ec) WaitRunning(op, deadline, reply);
    });
  });
}

Response App::Page(const Action& a) const {
  const EmbeddedFile* f = FindEmbedded(a.page);
  if (!f) return JsonResponse(404, "not found: /" + a.page);
  Response r;
  r.content_type = std::string(f->content_type);
  r.body = std::string(f->data);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  return r;
}

}  // namespace httpd
