// Fuzzes trng-httpd's request-target and parameter parsing (httpd/query.h).
// A control byte picks one property per input:
// 0 ParseTarget: success means a path starting with '/', no NUL anywhere, and
//   the canonical re-encoding of the result parses back to the same result.
// 1 ParseForm split: parsing "a&b" succeeds iff "a" and "b" both do, and gives
//   a's parameters followed by b's (the fuzzer picks where to split).
// 2 PercentDecode: encoding arbitrary bytes (each byte literal or %XX, hex in
//   either case) decodes back to them, unless they hold a NUL, which is refused;
//   decoding arbitrary text never grows it and never yields a NUL.
// 3 CookieValue: the value has no ';' and no surrounding blanks, and a cookie
//   appended as "; name=value" is found when no earlier one has that name.
// 4 IntParam: agrees with std::from_chars on plain digits: accepted exactly
//   when the text is digits whose value lies in [min, max], with that value;
//   absent, the fallback.
#include <charconv>
#include <string>

#include "fuzz/fuzz_support.h"
#include "httpd/query.h"

namespace {

using httpd::Params;

const char kHex[] = "0123456789ABCDEF";

std::string Encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '/' || c == '-' || c == '.' || c == '_';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

void CheckTarget(const std::string& text) {
  httpd::Target t;
  if (!httpd::ParseTarget(text, &t)) return;
  FUZZ_CHECK(!t.path.empty() && t.path[0] == '/');
  FUZZ_CHECK(t.path.find('\0') == std::string::npos);
  std::string canonical = Encode(t.path);
  for (size_t i = 0; i < t.params.size(); ++i) {
    const auto& [name, value] = t.params[i];
    FUZZ_CHECK(name.find('\0') == std::string::npos && value.find('\0') == std::string::npos);
    canonical += (i == 0 ? "?" : "&") + Encode(name) + "=" + Encode(value);
  }
  // (An item "name" without '=' comes back from "name=": the same parameter.)
  httpd::Target again;
  FUZZ_CHECK(httpd::ParseTarget(canonical, &again));
  FUZZ_CHECK(again.path == t.path && again.params == t.params);
}

void CheckFormSplit(FuzzedDataProvider& fdp) {
  const uint16_t cut = fdp.ConsumeIntegral<uint16_t>();
  const std::string text = fdp.ConsumeRemainingBytesAsString();
  const size_t at = cut % (text.size() + 1);
  const std::string a = text.substr(0, at), b = text.substr(at);
  Params pa, pb, pab;
  const bool oka = httpd::ParseForm(a, &pa), okb = httpd::ParseForm(b, &pb);
  const bool okab = httpd::ParseForm(a + "&" + b, &pab);
  FUZZ_CHECK(okab == (oka && okb));
  if (okab) {
    pa.insert(pa.end(), pb.begin(), pb.end());
    FUZZ_CHECK(pab == pa);
  }
}

void CheckPercentDecode(FuzzedDataProvider& fdp) {
  const bool form = fdp.ConsumeBool();
  const std::string raw = fdp.ConsumeRandomLengthString(256);
  std::string encoded;
  for (unsigned char c : raw) {
    const bool literal = c != '%' && c != '+' && fdp.ConsumeBool();
    if (literal) {
      encoded += static_cast<char>(c);
    } else {
      const char* digits = fdp.ConsumeBool() ? "0123456789abcdef" : kHex;
      encoded += {'%', digits[c >> 4], digits[c & 15]};
    }
  }
  std::string decoded;
  const bool ok = httpd::PercentDecode(encoded, form, &decoded);
  FUZZ_CHECK(ok == (raw.find('\0') == std::string::npos));
  if (ok) FUZZ_CHECK(decoded == raw);

  const std::string text = fdp.ConsumeRemainingBytesAsString();
  if (httpd::PercentDecode(text, form, &decoded)) {
    FUZZ_CHECK(decoded.size() <= text.size());
    FUZZ_CHECK(decoded.find('\0') == std::string::npos);
  }
}

void CheckCookie(FuzzedDataProvider& fdp) {
  const std::string name = fdp.ConsumeRandomLengthString(16);
  const std::string value = fdp.ConsumeRandomLengthString(32);
  const std::string header = fdp.ConsumeRemainingBytesAsString();
  const std::string got = httpd::CookieValue(header, name);
  FUZZ_CHECK(got.find(';') == std::string::npos);
  if (!got.empty()) {
    for (char edge : {got.front(), got.back()}) FUZZ_CHECK(edge != ' ' && edge != '\t');
  }
  // Append a clean cookie: found unless an earlier one has the same name.
  const auto clean = [](const std::string& s) {
    return !s.empty() && s.find_first_of(";= \t") == std::string::npos;
  };
  if (clean(name) && clean(value) && got.empty() && header.find(name) == std::string::npos) {
    FUZZ_CHECK(httpd::CookieValue(header + "; " + name + "=" + value, name) == value);
  }
}

void CheckIntParam(FuzzedDataProvider& fdp) {
  // Limits up to 2^63, as IntParam assumes ("10^19 > 2^63: beyond any limit").
  uint64_t lo = fdp.ConsumeIntegralInRange<uint64_t>(0, uint64_t{1} << 63);
  uint64_t hi = fdp.ConsumeIntegralInRange<uint64_t>(0, uint64_t{1} << 63);
  if (lo > hi) std::swap(lo, hi);
  const uint64_t fallback = fdp.ConsumeIntegral<uint64_t>();
  const bool present = fdp.ConsumeBool();
  const std::string text = fdp.ConsumeRemainingBytesAsString();
  Params params = {{"other", "1"}};
  if (present) {
    params.push_back({"n", text});
    params.push_back({"n", "7"});  // a later duplicate never counts
  }
  uint64_t out = 0;
  std::string error;
  const bool ok = httpd::IntParam(params, "n", fallback, lo, hi, &out, &error);
  if (!present) {
    FUZZ_CHECK(ok && out == fallback);
    return;
  }
  uint64_t value = 0;
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool fits = digits && ec == std::errc() && end == text.data() + text.size();
  FUZZ_CHECK(ok == (fits && value >= lo && value <= hi));
  if (ok) {
    FUZZ_CHECK(out == value);
  } else {
    FUZZ_CHECK(error.starts_with("n must be an integer from "));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  switch (fdp.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: CheckTarget(fdp.ConsumeRemainingBytesAsString()); break;
    case 1: CheckFormSplit(fdp); break;
    case 2: CheckPercentDecode(fdp); break;
    case 3: CheckCookie(fdp); break;
    default: CheckIntParam(fdp); break;
  }
  return 0;
}
