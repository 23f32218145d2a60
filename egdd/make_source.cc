// The factory of the real source kinds, one file each.
#include "egdd/file_source.h"
#include "egdd/hwrng_source.h"
#include "egdd/os_source.h"
#include "egdd/serial_source.h"
#include "egdd/source.h"

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace egdd {
namespace {

std::string Resolved(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::string SerialById(const std::string& resolved) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev/serial/by-id", ec)) {
    if (Resolved(e.path().string()) == resolved) return "by-id/" + e.path().filename().string();
  }
  return "";
}

std::string HwrngDriver() {
  std::ifstream in("/sys/class/misc/hw_random/rng_current");
  std::string name;
  std::getline(in, name);
  return name == "none" ? "" : name;
}

}  // namespace

std::string DeviceIdentity(std::string_view kind, const std::string& path) {
  std::string resolved = Resolved(path);
  std::string stable;
  if (kind == "serial") stable = SerialById(resolved);
  if (kind == "hwrng" && resolved.rfind("/dev/", 0) == 0) {
    std::string driver = HwrngDriver();
    if (!driver.empty()) stable = resolved + " driver " + driver;
  }
  return std::string(kind) + ":" + (stable.empty() ? resolved : stable);
}

std::unique_ptr<Source> MakeSource(boost::asio::io_context& io, const Config& config,
                                   SourceCallbacks callbacks) {
  const SourceConfig& c = config.source;
  switch (c.kind) {
    case SourceKind::kHwrng:
      return std::make_unique<HwrngSource>(io, std::move(callbacks), c.path);
    case SourceKind::kFile:
      return std::make_unique<FileSource>(io, std::move(callbacks), c.path, c.offset_file);
    case SourceKind::kOs:
      return std::make_unique<OsSource>(io, std::move(callbacks));
    case SourceKind::kSerial:
      break;
  }
  return std::make_unique<SerialSource>(io, config.serial, std::move(callbacks));
}

SourceFactory RealSources(boost::asio::io_context& io) {
  return [&io](const Config& config, SourceCallbacks callbacks) {
    return MakeSource(io, config, std::move(callbacks));
  };
}

bool SameSource(const Config& a, const Config& b) {
  if (a.source.kind != b.source.kind) return false;
  switch (a.source.kind) {
    case SourceKind::kHwrng:
      return a.source.path == b.source.path;
    case SourceKind::kFile:
      return a.source.path == b.source.path && a.source.offset_file == b.source.offset_file;
    case SourceKind::kOs:
      return true;
    case SourceKind::kSerial:
      break;
  }
  return a.serial.port == b.serial.port && a.serial.baud_rate == b.serial.baud_rate;
}

}  // namespace egdd
