#include "httpd/query.h"

#include <algorithm>

namespace httpd {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Shown in error messages: at most 32 characters, non-printable bytes as '?'.
std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 32)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 32) out += "...";
  return out;
}

}  // namespace

bool PercentDecode(std::string_view in, bool form, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+' && form) {
      c = ' ';
    } else if (c == '%') {
      int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = hi >= 0 ? HexValue(in[i + 2]) : -1;
      if (lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return false;
    out->push_back(c);
  }
  return true;
}

bool ParseForm(std::string_view text, Params* out) {
  out->clear();
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view item = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string name, value;
    if (!PercentDecode(item.substr(0, eq), true, &name)) return false;
    if (eq != std::string_view::npos && !PercentDecode(item.substr(eq + 1), true, &value)) {
      return false;
    }
    out->emplace_back(std::move(name), std::move(value));
  }
  return true;
}

bool ParseTarget(std::string_view target, Target* out) {
  if (target.empty() || target[0] != '/') return false;
  size_t q = target.find('?');
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  size_t hash = query.find('#');
  if (hash != std::string_view::npos) query = query.substr(0, hash);
  Target t;
  if (!PercentDecode(target.substr(0, q), false, &t.path)) return false;
  if (!ParseForm(query, &t.params)) return false;
  *out = std::move(t);
  return true;
}

std::optional<std::string> FindParam(const Params& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return std::nullopt;
}

namespace {

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// "getRandom accepts numBits, quantity" or "init takes no parameters".
std::string AcceptedText(std::string_view endpoint, const std::vector<std::string_view>& accepted) {
  std::string out(endpoint);
  if (accepted.empty()) return out + " takes no parameters";
  out += " accepts ";
  for (size_t i = 0; i < accepted.size(); ++i) out += (i ? ", " : "") + std::string(accepted[i]);
  return out;
}

}  // namespace

bool CheckParamNames(const Params& params, std::string_view endpoint,
                     const std::vector<std::string_view>& accepted, std::string* name,
                     std::string* error) {
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string& k = params[i].first;
    auto known = std::find(accepted.begin(), accepted.end(), k);
    if (known == accepted.end()) {
      auto near = std::find_if(accepted.begin(), accepted.end(),
                               [&k](std::string_view a) { return SameIgnoringCase(a, k); });
      *name = k;
      *error = "unknown parameter '" + Printable(k) + "'" +
               (near == accepted.end() ? "" : " (did you mean '" + std::string(*near) + "'?)") +
               "; " + AcceptedText(endpoint, accepted);
      return false;
    }
    for (size_t j = 0; j < i; ++j) {
      if (params[j].first != k) continue;
      *name = k;
      *error = "parameter '" + k + "' given more than once; " + AcceptedText(endpoint, accepted) +
               ", each at most once";
      return false;
    }
  }
  return true;
}

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view item = Trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && Trim(item.substr(0, eq)) == name) {
      return std::string(Trim(item.substr(eq + 1)));
    }
  }
  return "";
}

bool IntParam(const Params& params, std::string_view name, uint64_t fallback, uint64_t min,
              uint64_t max, uint64_t* out, std::string* error) {
  std::optional<std::string> text = FindParam(params, name);
  if (!text) {
    *out = fallback;
    return true;
  }
  std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  bool digits = !text->empty() && text->find_first_not_of("0123456789") == std::string::npos;
  if (!digits) {
    *error = std::string(name) + " must be " + range + "; got '" + Printable(*text) + "'";
    return false;
  }
  size_t first = text->find_first_not_of('0');
  std::string_view significant =
      first == std::string::npos ? "0" : std::string_view(*text).substr(first);
  uint64_t value = 0;
  bool too_big = significant.size() > 19;  // 10^19 > 2^63: beyond any limit
  for (char c : significant) {
    if (too_big) break;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (too_big || value < min || value > max) {
    *error = std::string(name) + " must be " + range + "; got " + Printable(*text);
    return false;
  }
  *out = value;
  return true;
}

}  // namespace httpd
