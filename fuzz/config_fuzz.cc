// Fuzzes the three TOML configuration loaders (egdd/config.h, httpd/config.h,
// feed/config.h, all on common/toml_config.h) with arbitrary text. The first
// byte picks the loader; the rest is the file. Invariants:
// - ParseConfig never throws and is deterministic;
// - an error reads "NAME:LINE: message" with 1 <= LINE <= the file's line
//   count (+1 for an error at the end), and leaves *out untouched;
// - success yields a Config named NAME whose values respect the documented
//   ranges and cross-key rules (the checks the daemons rely on after loading),
//   and whose paths and addresses hold no NUL byte (a C API would silently cut
//   them: open("/dev/hwrng\0x") opens /dev/hwrng).
#include <string>
#include <string_view>

#include "egdd/config.h"
#include "feed/config.h"
#include "feed/mix.h"
#include "fuzz/fuzz_support.h"
#include "httpd/config.h"

namespace {

const std::string kName = "fuzz.toml";
const std::string kUntouched = "<untouched>";

bool Clean(const std::string& s) { return s.find('\0') == std::string::npos; }

size_t LineCount(std::string_view text) {
  size_t lines = 1;
  for (char c : text) lines += c == '\n';
  return lines;
}

// "fuzz.toml:LINE: message" with a plausible LINE.
void CheckError(const egd::Status& s, std::string_view text) {
  const std::string& m = s.message();
  FUZZ_CHECK(m.starts_with(kName + ":"));
  size_t i = kName.size() + 1;
  uint64_t line = 0;
  while (i < m.size() && m[i] >= '0' && m[i] <= '9' && line < (uint64_t{1} << 40)) {
    line = line * 10 + static_cast<uint64_t>(m[i++] - '0');
  }
  FUZZ_CHECK(i > kName.size() + 1);  // digits present
  FUZZ_CHECK(m.compare(i, 2, ": ") == 0 && m.size() > i + 2);
  FUZZ_CHECK(line >= 1 && line <= LineCount(text) + 1);
}

// Runs `parse` twice over `text` and checks the common contract; true on success.
template <typename Config, typename Parse>
bool Load(Parse parse, std::string_view text, Config* out) {
  egd::Status s = egd::Status::Ok(), again = egd::Status::Ok();
  Config other;
  out->file = kUntouched;
  other.file = kUntouched;
  try {
    s = parse(text, kName, out);
    again = parse(text, kName, &other);
  } catch (...) {
    FUZZ_CHECK(!"ParseConfig threw");
  }
  FUZZ_CHECK(s.ok() == again.ok() && s.message() == again.message());
  if (!s.ok()) {
    CheckError(s, text);
    FUZZ_CHECK(out->file == kUntouched);
    return false;
  }
  FUZZ_CHECK(out->file == kName);
  return true;
}

void CheckEgdd(std::string_view text) {
  egdd::Config c;
  if (!Load(egdd::ParseConfig, text, &c)) return;
  FUZZ_CHECK(!c.sources.empty());  // one [source], or one per [[source]]
  for (size_t i = 0; i < c.sources.size(); ++i) {
    const egdd::SourceEntry& e = c.sources[i];
    FUZZ_CHECK(e.source.entropy_per_bit > 0 && e.source.entropy_per_bit <= 1);
    FUZZ_CHECK(e.source.read_size >= 1 && e.source.read_size <= (1u << 20));
    FUZZ_CHECK(!e.source.path.empty() && Clean(e.source.path));
    FUZZ_CHECK(!e.serial.port.empty() && Clean(e.serial.port));
    FUZZ_CHECK(!e.source.name.empty() && Clean(e.source.name));
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK(c.sources[j].source.name != e.source.name);
  }
  FUZZ_CHECK(c.source.name == c.sources[0].source.name);
  FUZZ_CHECK(!c.egd.listen.empty());
  for (const egdd::ListenAddress& a : c.egd.listen) {
    FUZZ_CHECK(a.is_unix ? !a.path.empty() && a.path[0] == '/' && Clean(a.path)
                         : a.port >= 1 && !a.host.empty() && Clean(a.host));
  }
  unsigned mode = 0;
  FUZZ_CHECK(egdd::ParseMode(c.egd.unix_mode, &mode) && egdd::ParseMode(c.control.mode, &mode));
  FUZZ_CHECK(!c.control.socket.empty() && c.control.socket[0] == '/' && Clean(c.control.socket));
  FUZZ_CHECK(c.pool.size_bytes >= 256);
  FUZZ_CHECK(c.egd.client_burst >= 255);  // one full EGD read must fit the bucket
  FUZZ_CHECK(c.health.total_failure_max_identical >= 1 &&
             c.health.total_failure_max_identical < c.health.total_failure_chunk);
  FUZZ_CHECK(c.health.alpha_exponent >= 20 && c.health.alpha_exponent <= 64);
  FUZZ_CHECK(c.egd.max_clients_per_address <= 1000000);
  size_t per_address = egdd::EffectiveMaxClientsPerAddress(c.egd);
  FUZZ_CHECK(per_address >= 1 && per_address <= 1000000);
  FUZZ_CHECK(c.egd.ipv4_prefix >= 8 && c.egd.ipv4_prefix <= 32);
  FUZZ_CHECK(c.egd.ipv6_prefix >= 16 && c.egd.ipv6_prefix <= 128);
  for (const egdd::ListenAddress& a : c.egd.listen) {
    // A TCP proxy listener never runs without trusted peers.
    FUZZ_CHECK(!a.proxy || a.is_unix || !c.egd.proxy_trusted_peers.empty());
  }
  for (const egd::IpPrefix& p : c.egd.proxy_trusted_peers) {
    FUZZ_CHECK(Clean(p.text) && p.length >= 0 && p.length <= (p.v6 ? 128 : 32));
  }
  // A capture is never served twice unless the file says so.
  FUZZ_CHECK(c.source.kind != egdd::SourceKind::kFile || !c.source.offset_file.empty() ||
             c.source.replay);
}

void CheckHttpd(std::string_view text) {
  httpd::Config c;
  if (!Load(httpd::ParseConfig, text, &c)) return;
  FUZZ_CHECK(!c.http.listen.empty());
  for (const auto* list : {&c.http.listen, &c.http.public_listen}) {
    for (const auto& a : *list) {
      FUZZ_CHECK(a.is_unix ? Clean(a.path) && a.path[0] == '/' : a.port >= 1 && Clean(a.host));
      // A TCP proxy listener is only accepted with trusted peers.
      FUZZ_CHECK(!a.proxy || a.is_unix || !c.http.proxy_trusted_peers.empty());
    }
  }
  for (const std::string& host : c.http.allowed_hosts) FUZZ_CHECK(!host.empty() && Clean(host));
  FUZZ_CHECK(c.limits.client_rate_limit == 0 ||
             c.limits.client_burst >= httpd::LargestRequestBytes(c));
  FUZZ_CHECK(c.egdd.egd.is_unix ? Clean(c.egdd.egd.path)
                                : c.egdd.egd.port >= 1 && Clean(c.egdd.egd.host));
  FUZZ_CHECK(!c.egdd.control.empty() && c.egdd.control[0] == '/' && Clean(c.egdd.control));
  FUZZ_CHECK(!c.files.dir.empty() && c.files.dir[0] == '/' && Clean(c.files.dir));
  FUZZ_CHECK(c.egdd.connections >= 1 && c.http.max_clients >= 1);
  FUZZ_CHECK(c.limits.max_num_bits >= 1 && c.limits.max_quantity >= 1 &&
             c.limits.max_total_bits >= 1 && c.limits.max_testdata_bits >= 1);
  FUZZ_CHECK(c.pollen.bytes >= 1);
}

void CheckFeed(std::string_view text) {
  feed::Config c;
  if (!Load(feed::ParseConfig, text, &c)) return;
  for (const egd::EgdEndpoint& s : c.servers) {
    FUZZ_CHECK(s.is_unix ? Clean(s.path) && s.path[0] == '/' : s.port >= 1 && Clean(s.host));
  }
  FUZZ_CHECK(c.servers.size() <= feed::kMaxMix && c.mix >= 1 && c.mix <= feed::kMaxMix);
  FUZZ_CHECK(!c.device.empty() && Clean(c.device) && Clean(c.user));
  FUZZ_CHECK(c.credit_bits_per_byte >= 0 && c.credit_bits_per_byte <= feed::kMaxBitsPerByte);
  FUZZ_CHECK(c.schedule.backoff.initial <= c.schedule.backoff.max);
  FUZZ_CHECK(c.schedule.backoff.jitter >= 0 && c.schedule.backoff.jitter <= 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: CheckEgdd(text); break;
    case 1: CheckHttpd(text); break;
    default: CheckFeed(text); break;
  }
  return 0;
}
