// Source: one interface for every entropy source kind (hwrng, file, os; serial
// in a later issue). The daemon pulls: it asks for one read at a time when the
// pool has room, so a full pool means the device is not read at all.
//
// Contract:
// - Open() powers the device on (serial: sends "on"); Close() powers it off
//   (serial: "off") and cancels an outstanding read, whose callback then never
//   runs. Open after Close is a restart.
// - After Read(max), exactly one callback runs on the io_context thread:
//   on_data with 1..max bytes, or on_event with kEof (the capture ended; no
//   more data ever), or kLost (device gone or failing; the daemon reconnects by
//   calling Open again later).
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
  virtual egd::Status Open() = 0;
  virtual void Close() = 0;
  virtual void Read(size_t max) = 0;
  // Kind-specific counters for `egdctl status` (e.g. serial framing errors).
  virtual nlohmann::json Stats() const { return nlohmann::json::object(); }
};

// Creates the source configured in `config` (not yet opened); never null:
// every kind has a source, and a missing device shows when it is opened.
std::unique_ptr<Source> MakeSource(boost::asio::io_context& io, const Config& config,
                                   SourceCallbacks callbacks);

}  // namespace egdd
