// Fuzzes httpd::Route (httpd/api.h): every HTTP request trng-httpd accepts is
// routed here, with its target, Cookie header and body as received. The
// limits are fuzzed within the ranges httpd/config.cc allows. Invariants:
// - every Action has a metrics label;
// - an error Action carries a 400, 404 or 405 whose body is a JSON object
//   with a "message" (even for paths that are not UTF-8), and a 405 says Allow;
// - getRandom's numBits and quantity lie within the limits, and so does their
//   product; generateTestdata's numBits too; pollen has a challenge; a page is
//   one of the embedded files; the route does not depend on anything else
//   (routing the same request twice gives the same Action).
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz/fuzz_support.h"
#include "httpd/api.h"

namespace {

using httpd::Action;
using httpd::Op;

httpd::Request MakeRequest(FuzzedDataProvider& fdp) {
  static const char* const kMethods[] = {"GET", "POST", "HEAD", "PUT", "get", ""};
  httpd::Request r;
  r.method = fdp.ConsumeBool() ? kMethods[fdp.ConsumeIntegralInRange<size_t>(0, 5)]
                               : fdp.ConsumeRandomLengthString(8);
  r.cookie = fdp.ConsumeRandomLengthString(64);
  r.body = fdp.ConsumeRandomLengthString(256);
  r.client = "192.0.2.1";
  r.target = fdp.ConsumeRemainingBytesAsString();
  return r;
}

httpd::LimitsConfig MakeLimits(FuzzedDataProvider& fdp) {
  httpd::LimitsConfig l;
  if (fdp.ConsumeBool()) return l;  // the defaults, most of the time in practice
  l.max_num_bits = fdp.ConsumeIntegralInRange<uint64_t>(1, 1 << 24);
  l.max_quantity = fdp.ConsumeIntegralInRange<uint64_t>(1, 1 << 24);
  l.max_total_bits = fdp.ConsumeIntegralInRange<uint64_t>(1, 1 << 27);
  l.max_testdata_bits = fdp.ConsumeIntegralInRange<uint64_t>(1, 1 << 28);
  return l;
}

void CheckError(const Action& a) {
  const unsigned s = a.error.status;
  FUZZ_CHECK(s == 400 || s == 404 || s == 405);
  nlohmann::json body = nlohmann::json::parse(a.error.text(), nullptr, false);
  FUZZ_CHECK(body.is_object() && body.contains("message") && body["message"].is_string());
  if (s == 405) {
    bool allow = false;
    for (const auto& [name, value] : a.error.headers) allow = allow || name == "Allow";
    FUZZ_CHECK(allow);
  }
}

void CheckAction(const Action& a, const httpd::LimitsConfig& l) {
  FUZZ_CHECK(!a.label.empty());
  switch (a.op) {
    case Op::kError:
      CheckError(a);
      break;
    case Op::kGetRandom:
      FUZZ_CHECK(a.num_bits >= 1 && a.num_bits <= l.max_num_bits);
      FUZZ_CHECK(a.quantity >= 1 && a.quantity <= l.max_quantity);
      FUZZ_CHECK(a.num_bits * a.quantity <= l.max_total_bits);
      break;
    case Op::kGenerateTestdata:
      FUZZ_CHECK(a.num_bits >= 1 && a.num_bits <= l.max_testdata_bits);
      break;
    case Op::kPollen:
      FUZZ_CHECK(!a.challenge.empty());
      break;
    case Op::kPage:
      FUZZ_CHECK(a.page == "index.html" || a.page == "app.js" || a.page == "style.css" ||
                 a.page == "favicon.svg");
      break;
    default:
      break;
  }
}

bool SameAction(const Action& a, const Action& b) {
  return a.op == b.op && a.label == b.label && a.num_bits == b.num_bits &&
         a.quantity == b.quantity && a.filetype == b.filetype && a.token == b.token &&
         a.challenge == b.challenge && a.page == b.page && a.error.status == b.error.status &&
         a.error.body == b.error.body && a.error.headers == b.error.headers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  const bool pollen = fdp.ConsumeBool();
  const httpd::LimitsConfig limits = MakeLimits(fdp);
  const httpd::Request request = MakeRequest(fdp);
  const Action a = httpd::Route(request, limits, pollen);
  CheckAction(a, limits);
  FUZZ_CHECK(SameAction(a, httpd::Route(request, limits, pollen)));
  return 0;
}
