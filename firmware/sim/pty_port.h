// PtyPort: the simulated device's end of the serial line, a pseudo-terminal.
//
// Open() creates a pty pair in raw mode (no echo, no line editing, no CR/LF
// translation, 8 bits) and exposes the slave path (/dev/pts/N) for the host.
// Close() closes the master, which is what unplugging the USB cable looks
// like to the host: its reads return EOF or EIO with POLLHUP, and the slave
// node disappears, so reopening the same path fails.
// The master is non-blocking. While no host has the slave open (after one has
// opened and closed it), Write() discards the bytes, as a UART's output is
// lost when nobody listens; a pty would otherwise keep them for the next opener.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace trng::sim {

class PtyPort {
 public:
  PtyPort() = default;
  PtyPort(const PtyPort&) = delete;
  PtyPort& operator=(const PtyPort&) = delete;
  ~PtyPort() { Close(); }

  bool Open(std::string* error);
  void Close();
  bool is_open() const { return fd_ >= 0; }
  const std::string& slave_path() const { return slave_path_; }

  // Appends what the host wrote to *rx (non-blocking).
  void Read(std::deque<uint8_t>* rx);
  // Writes up to n bytes; returns how many were taken (all of them when no
  // host is attached; fewer when the host does not read and the pty is full).
  size_t Write(const uint8_t* data, size_t n);
  // False while the slave is closed (after having been opened once).
  bool HostAttached() const;

 private:
  int fd_ = -1;
  std::string slave_path_;
};

// Points the symlink `link` at `target` atomically (like a udev rule's
// /dev/serial/by-id name); returns false with *error on failure.
bool PointLink(const std::string& link, const std::string& target, std::string* error);
// Removes `link` if it is a symlink (as udev does on unplug).
void RemoveLink(const std::string& link);

}  // namespace trng::sim
