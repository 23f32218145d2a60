// Pure parsing of what arrives in an HTTP request: the request target (path and
// query), application/x-www-form-urlencoded bodies, Cookie headers, and the
// integer parameters of the manual's endpoints. No sockets, no allocation
// beyond the results; every function is total (bad input gives an error, never
// undefined behaviour).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace httpd {

using Params = std::vector<std::pair<std::string, std::string>>;

struct Target {
  std::string path;  // percent-decoded
  Params params;     // in order of appearance, decoded
};

// Decodes %XX escapes (and '+' as space when form is true). False on a bad
// escape or a decoded NUL byte.
bool PercentDecode(std::string_view in, bool form, std::string* out);

// "a=1&b=x%20y" -> {{a,1},{b,"x y"}}. A name without '=' has an empty value.
bool ParseForm(std::string_view text, Params* out);

// "/p/q?x=1" -> path "/p/q", params {{x,1}}. False if the target does not start
// with '/' or holds a bad escape.
bool ParseTarget(std::string_view target, Target* out);

// The first value of `name`, if present.
std::optional<std::string> FindParam(const Params& params, std::string_view name);

// The strict API's check of parameter names: every name must be one of
// `accepted` (exact, case-sensitive) and appear at most once, so a misspelled
// parameter never silently falls back to its default and a repeated one is
// never half-read. On failure *name is the offending name and *error says what
// is wrong and what `endpoint` accepts (with a hint when the name differs from
// an accepted one only in case).
bool CheckParamNames(const Params& params, std::string_view endpoint,
                     const std::vector<std::string_view>& accepted, std::string* name,
                     std::string* error);

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string CookieValue(std::string_view header, std::string_view name);

// An integer query parameter: absent -> `fallback`; otherwise it must be plain
// decimal digits with a value in [min, max]. On failure *error says which
// parameter, what was received and the allowed range.
bool IntParam(const Params& params, std::string_view name, uint64_t fallback, uint64_t min,
              uint64_t max, uint64_t* out, std::string* error);

}  // namespace httpd
