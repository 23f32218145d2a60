// Asynchronous access to egdd's control socket (one command line -> one JSON
// line, then egdd closes), and a cache of egdd's `status` so that a burst of
// requests asks egdd once. Single-threaded: use on the io_context's thread;
// callbacks run there. ControlChannel never runs a callback inside Request();
// StatusCache::Get runs it at once when the cached status is fresh enough.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "httpd/api.h"

namespace httpd {

class ControlChannel {
 public:
  // ok: a reply line arrived (reply); else error says what failed.
  using Callback = std::function<void(bool ok, const std::string& error, const std::string& reply)>;

  ControlChannel(boost::asio::io_context& io, std::string path, std::chrono::milliseconds timeout);
  ~ControlChannel();

  void Request(const std::string& command, Callback callback);
  void Stop();  // aborts exchanges in flight; their callbacks are not run
  // For exchanges started from now on.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  struct Exchange;
  boost::asio::io_context& io_;
  const std::string path_;
  std::chrono::milliseconds timeout_;
  std::set<std::shared_ptr<Exchange>> live_;
};

class StatusCache {
 public:
  using Callback = std::function<void(const DeviceStatus&)>;

  StatusCache(ControlChannel& control, std::chrono::milliseconds max_age)
      : control_(control), max_age_(max_age) {}

  // egdd's status, at most max_age old (asks egdd if older).
  void Get(Callback callback);
  // egdd's status asked now: joins a query already in flight unless that one
  // started before the last Invalidate (then the callback gets the next one).
  void Refresh(Callback callback);
  // The state is changing (a control command was sent): the next Get asks egdd.
  void Invalidate();
  const DeviceStatus& last() const { return last_; }
  void set_max_age(std::chrono::milliseconds max_age) { max_age_ = max_age; }

 private:
  void Query();
  void OnReply(bool ok, const std::string& error, const std::string& reply);

  ControlChannel& control_;
  std::chrono::milliseconds max_age_;
  DeviceStatus last_;
  std::chrono::steady_clock::time_point fetched_{};
  bool have_ = false;
  std::vector<Callback> waiting_;  // for the query in flight
  std::vector<Callback> after_;    // for a query started after the last Invalidate
  std::chrono::steady_clock::time_point query_started_{};
  std::chrono::steady_clock::time_point invalidated_{};
};

}  // namespace httpd
