// egd-bench: measures an EGD server's blocking-read throughput and latency
// (`load`), and provides the reference server to compare it with (`responder`).
// See docs/performance.md and bench/run-egd.
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <string_view>

#include "bench/load.h"
#include "bench/responder.h"

namespace {

using boost::asio::ip::tcp;

constexpr const char* kUsage =
    "usage: egd-bench load --connect HOST:PORT [--connections N] [--bytes B]\n"
    "                      [--seconds S] [--pipeline K]\n"
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

bool ParseLoadOptions(const std::map<std::string, std::string>& flags, egdbench::LoadOptions* o) {
  for (const auto& [key, value] : flags) {
    if (key != "connect" && key != "connections" && key != "bytes" && key != "seconds" &&
        key != "pipeline")
      return false;
  }
  auto connect = flags.find("connect");
  return connect != flags.end() && ParseEndpoint(connect->second, &o->target) &&
         NumberFlag(flags, "connections", 1, 10000, &o->connections) &&
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
  egdbench::LoadResult result = egdbench::RunLoad(options);
  std::cout << egdbench::FormatResult(options, result) << std::endl;
  if (result.error.empty()) return 0;
  std::cerr << "egd-bench load: " << result.error << "\n";
  return 1;
}

int Responder(const std::map<std::string, std::string>& flags) {
  tcp::endpoint listen;
  auto it = flags.find("listen");
  if (flags.size() != 1 || it == flags.end() || !ParseEndpoint(it->second, &listen)) {
    std::cerr << kUsage;
    return 2;
  }
  return egdbench::RunResponder(listen);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string_view mode = argc > 1 ? argv[1] : "";
  if (!ParseFlags(argc, argv, &flags)) mode = "";
  if (mode == "load") return Load(flags);
  if (mode == "responder") return Responder(flags);
  std::cerr << kUsage;
  return 2;
}
