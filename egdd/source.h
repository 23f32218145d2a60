// Source: one interface for every entropy source kind, one file per kind
// (hwrng_source, file_source, os_source, serial_source; MakeSource picks one).
// The daemon pulls: it asks for one read at a time when the pool has room, so a
// full pool means the device is not read at all.
//
// Contract:
// - Open() acquires the device (opens it): a missing or inaccessible device
//   fails here, and nothing else happens yet: nothing is sent to the device,
//   no callback runs. Start() then switches it on (serial: line settings and
//   "on"); a failure from there on is reported as kLost. A reload opens a new
//   source while the old one still runs and starts it only once the old one
//   is closed (two sources on one serial port never both talk to it).
// - Close() switches the device off (serial: "off"), cancels an outstanding
//   read and returns at once, even while a blocking read(2) is in progress
//   (that read finishes on its own worker; its result is dropped). After
//   Close, no callback of this source runs. Open after Close is a restart.
// - After Read(max), exactly one callback runs on the io_context thread, never
//   inside Read: on_data with 1..max bytes, or on_event with kEof (the capture
//   ended; no more data ever), or kLost (device gone or failing; the daemon
//   reconnects by calling Open again later).
// - Lifetime: every asynchronous handler of a source holds a lifetime token
//   (a weak_ptr to the state of the current open, locked first); Close and
//   the destructor release that state, so a stale handler finds nothing and
//   a callback never runs on a closed or destroyed source. The owner may
//   therefore give callbacks that capture `this`.
// - All methods are called from the io_context thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "common/status.h"
#include "egdd/config.h"

namespace egdd {

enum class SourceEvent { kEof, kLost };

struct SourceCallbacks {
  std::function<void(std::span<const uint8_t>)> on_data;
  std::function<void(SourceEvent, const std::string& why)> on_event;
};

class Source {
 public:
  virtual ~Source() = default;
  virtual std::string_view kind() const = 0;
  virtual bool is_trng() const = 0;
  virtual std::string description() const = 0;  // for status and logs
  // Names the physical device across restarts and renamed paths (the key of
  // its entropy assessment, egdd/assessment.h); valid after Open.
  virtual std::string identity() const { return std::string(kind()) + ":" + description(); }
  virtual egd::Status Open() = 0;
  virtual void Start() {}
  virtual void Close() = 0;
  virtual void Read(size_t max) = 0;
  // Kind-specific counters for `egdctl status` (e.g. serial framing errors).
  virtual nlohmann::json Stats() const { return nlohmann::json::object(); }
};

// Makes the source `config` asks for (not yet opened); never null. The daemon
// takes one, so tests can drive it with a simulated device.
using SourceFactory =
    std::function<std::unique_ptr<Source>(const Config& config, SourceCallbacks callbacks)>;

// The factory of the real sources: every kind has a source, and a missing
// device shows when it is opened.
std::unique_ptr<Source> MakeSource(boost::asio::io_context& io, const Config& config,
                                   SourceCallbacks callbacks);
SourceFactory RealSources(boost::asio::io_context& io);

// `kind`:`path` made stable: the path resolved; a serial port by its
// /dev/serial/by-id name (the USB adapter's serial number) when it has one; a
// hardware RNG by the kernel driver it reads (rng_current).
std::string DeviceIdentity(std::string_view kind, const std::string& path);

// Whether a and b configure the same source (so a reload keeps it).
bool SameSource(const Config& a, const Config& b);

}  // namespace egdd
