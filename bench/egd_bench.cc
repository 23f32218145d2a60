// egd-bench: measures an EGD server's blocking-read throughput and latency
// (`load`), holds idle connections open while a script measures the server's
// memory and CPU (`hold`), and provides the reference server to compare with
// (`responder`). See docs/performance.md, bench/run-egd and bench/run-idle.
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <iostream>
#include <map>
#include <string>
#include <string_view>

#include "bench/hold.h"
#include "bench/load.h"
#include "bench/responder.h"

namespace {

using boost::asio::ip::tcp;

constexpr const char* kUsage =
    "usage: egd-bench load --connect HOST:PORT [--connections N] [--bytes B]\n"
    "                      [--seconds S] [--pipeline K]\n"
    "       egd-bench hold --connect HOST:PORT [--connections N] [--burst K]\n"
    "                      [--park B] [--seconds S]\n"
    "       egd-bench responder --listen HOST:PORT\n";

// Parses "--key value" pairs; false on a stray argument or a missing value.
bool ParseFlags(int argc, char** argv, std::map<std::string, std::string>* flags) {
  for (int i = 2; i < argc; i += 2) {
    std::string_view key = argv[i];
    if (!key.starts_with("--") || i + 1 >= argc) return false;
    (*flags)[std::string(key.substr(2))] = argv[i + 1];
  }
  return true;
}

// "127.0.0.1:8888" or "[::1]:8888".
bool ParseEndpoint(const std::string& text, tcp::endpoint* out) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  int port = 0;
  std::string_view p = std::string_view(text).substr(colon + 1);
  auto [end, err] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec || err != std::errc() || end != p.data() + p.size() || port < 0 || port > 65535) return false;
  *out = tcp::endpoint(address, static_cast<unsigned short>(port));
  return true;
}

// Reads flag `key` into `*out` when present; false if it is not a number in [lo, hi].
template <typename T>
bool NumberFlag(const std::map<std::string, std::string>& flags, const char* key, T lo, T hi, T* out) {
  auto it = flags.find(key);
  if (it == flags.end()) return true;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<T>(v);
  return true;
}

// True if every flag is one of `allowed`.
bool OnlyFlags(const std::map<std::string, std::string>& flags,
               std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : flags) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) return false;
  }
  return true;
}

// Raises the soft descriptor limit to the hard one: 10,000 connections need
// more than the usual 1024. False (with a message) if that is still too few.
bool EnoughDescriptors(int connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= static_cast<rlim_t>(connections) + 16) {
    return true;
  }
  std::cerr << "egd-bench: " << connections << " connections need more descriptors than the hard "
            << "limit (" << limit.rlim_cur << "); raise it (ulimit -Hn)\n";
  return false;
}

bool ParseLoadOptions(const std::map<std::string, std::string>& flags, egdbench::LoadOptions* o) {
  if (!OnlyFlags(flags, {"connect", "connections", "bytes", "seconds", "pipeline"})) return false;
  auto connect = flags.find("connect");
  return connect != flags.end() && ParseEndpoint(connect->second, &o->target) &&
         NumberFlag(flags, "connections", 1, 60000, &o->connections) &&
         NumberFlag(flags, "bytes", 1, 255, &o->bytes) &&
         NumberFlag(flags, "seconds", 0.1, 3600.0, &o->seconds) &&
         NumberFlag(flags, "pipeline", 1, 1024, &o->pipeline);
}

int Load(const std::map<std::string, std::string>& flags) {
  egdbench::LoadOptions options;
  if (!ParseLoadOptions(flags, &options)) {
    std::cerr << kUsage;
    return 2;
  }
  if (!EnoughDescriptors(options.connections)) return 2;
  egdbench::LoadResult result = egdbench::RunLoad(options);
  std::cout << egdbench::FormatResult(options, result) << std::endl;
  if (result.error.empty()) return 0;
  std::cerr << "egd-bench load: " << result.error << "\n";
  return 1;
}

int Hold(const std::map<std::string, std::string>& flags) {
  egdbench::HoldOptions o;
  auto connect = flags.find("connect");
  bool ok = OnlyFlags(flags, {"connect", "connections", "burst", "park", "seconds"}) &&
            connect != flags.end() && ParseEndpoint(connect->second, &o.target) &&
            NumberFlag(flags, "connections", 1, 60000, &o.connections) &&
            NumberFlag(flags, "burst", 0, 1024, &o.burst) &&
            NumberFlag(flags, "park", 0, 255, &o.park) &&
            NumberFlag(flags, "seconds", 0.1, 86400.0, &o.seconds);
  if (!ok) {
    std::cerr << kUsage;
    return 2;
  }
  if (!EnoughDescriptors(o.connections)) return 2;
  return egdbench::RunHold(o);
}

int Responder(const std::map<std::string, std::string>& flags) {
  tcp::endpoint listen;
  auto it = flags.find("listen");
  if (flags.size() != 1 || it == flags.end() || !ParseEndpoint(it->second, &listen)) {
    std::cerr << kUsage;
    return 2;
  }
  EnoughDescriptors(0);  // only raises the limit: serves as many as the hard limit allows
  return egdbench::RunResponder(listen);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string_view mode = argc > 1 ? argv[1] : "";
  if (!ParseFlags(argc, argv, &flags)) mode = "";
  if (mode == "load") return Load(flags);
  if (mode == "hold") return Hold(flags);
  if (mode == "responder") return Responder(flags);
  std::cerr << kUsage;
  return 2;
}
