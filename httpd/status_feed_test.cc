#include "httpd/status_feed.h"

#include <catch2/catch.hpp>

namespace httpd {
namespace {

using nlohmann::json;

DeviceStatus Status(json raw) { return ParseStatus(true, "", raw.dump()); }

TEST_CASE("a status event carries egdd's status, or why egdd is unreachable") {
  json j = StatusFeed::StatusJson(Status({{"state", "failed"}, {"reinit_in_s", 4.5}}), 1700000000.1234);
  CHECK(j["egdd_reachable"] == true);
  CHECK(j["state"] == "failed");
  CHECK(j["egdd"]["reinit_in_s"] == 4.5);
  CHECK(j["time"] == Approx(1700000000.123));
  json down = StatusFeed::StatusJson(ParseStatus(false, "connection refused", ""), 1);
  CHECK(down["egdd_reachable"] == false);
  CHECK(down["error"] == "connection refused");
  CHECK_FALSE(down.contains("egdd"));
}

TEST_CASE("fields that tick by themselves are no change, anything else is") {
  json a = StatusFeed::StatusJson(
      Status({{"state", "failed"}, {"uptime_s", 10}, {"state_for_s", 1.0}, {"reinit_in_s", 9.0},
              {"bytes_received", 100}}), 1);
  json b = StatusFeed::StatusJson(
      Status({{"state", "failed"}, {"uptime_s", 11}, {"state_for_s", 2.0}, {"reinit_in_s", 8.0},
              {"bytes_received", 100}}), 2);
  CHECK(StatusFeed::ChangeKey(a) == StatusFeed::ChangeKey(b));
  json c = b;
  c["egdd"]["bytes_received"] = 101;
  CHECK(StatusFeed::ChangeKey(b) != StatusFeed::ChangeKey(c));
  json d = b;
  d["egdd"]["reinit_in_s"] = nullptr;  // the re-init ran: the state changes with it
  d["egdd"]["state"] = "initializing";
  CHECK(StatusFeed::ChangeKey(b) != StatusFeed::ChangeKey(d));
  // Each source's own clock ticks too; its state is a change.
  json e = b, f = b;
  e["egdd"]["sources"] = json::array({{{"name", "a"}, {"state", "failed"}, {"state_for_s", 1.0}}});
  f["egdd"]["sources"] = json::array({{{"name", "a"}, {"state", "failed"}, {"state_for_s", 2.0}}});
  CHECK(StatusFeed::ChangeKey(e) == StatusFeed::ChangeKey(f));
  f["egdd"]["sources"][0]["state"] = "running";
  CHECK(StatusFeed::ChangeKey(e) != StatusFeed::ChangeKey(f));
}

}  // namespace
}  // namespace httpd

namespace httpd {
namespace {

struct FakeSink : EventSink {
  void Push(const std::string& frame) override { frames.push_back(frame); }
  bool Has(const std::string& start) const {
    for (const auto& f : frames) {
      if (f.starts_with(start)) return true;
    }
    return false;
  }
  std::vector<std::string> frames;
};

struct FeedFixture {
  FeedFixture() : control(io, "/nonexistent/control.sock", std::chrono::milliseconds(100)),
                  cache(control, std::chrono::milliseconds(0)) {
    config.status.sample_bytes = 0;
    config.status.max_streams = 6;
    config.status.max_streams_per_address = 4;
  }
  boost::asio::io_context io;
  Config config;
  ControlChannel control;
  StatusCache cache;
};

TEST_CASE("a new stream gets retry, hello, the rate, then the status, and limits refuse more") {
  FeedFixture f;
  StatusFeed feed(f.io, f.config, f.cache);
  feed.Start();
  auto sink = std::make_shared<FakeSink>();
  std::string refused;
  std::optional<uint64_t> id = feed.Subscribe("10.0.0.1", Role::kPublic, sink, &refused);
  REQUIRE(id);
  REQUIRE(sink->frames.size() >= 3);
  CHECK(sink->frames[0] == "retry: 2000\n\n");
  CHECK(sink->frames[1].starts_with("event: hello\ndata: {"));
  CHECK(sink->frames[1].find("\"role\":\"public\"") != std::string::npos);
  CHECK(sink->frames[2].starts_with("event: rate\n"));
  f.io.run_for(std::chrono::milliseconds(200));
  CHECK(sink->Has("event: status\ndata: {\"egdd_reachable\":false"));
  // Per client key, then in all.
  std::vector<std::shared_ptr<FakeSink>> more;
  for (int i = 0; i < 3; ++i) {
    more.push_back(std::make_shared<FakeSink>());
    CHECK(feed.Subscribe("10.0.0.1", Role::kPublic, more.back(), &refused));
  }
  auto extra = std::make_shared<FakeSink>();
  CHECK_FALSE(feed.Subscribe("10.0.0.1", Role::kPublic, extra, &refused));
  CHECK(refused == "max_streams_per_address");
  CHECK(extra->frames.empty());
  CHECK(feed.Subscribe("10.0.0.2", Role::kOperator, extra, &refused));
  auto other = std::make_shared<FakeSink>();
  CHECK(feed.Subscribe("10.0.0.3", Role::kOperator, other, &refused));
  CHECK(feed.streams() == 6);
  CHECK_FALSE(feed.Subscribe("10.0.0.4", Role::kOperator, std::make_shared<FakeSink>(), &refused));
  CHECK(refused == "max_streams");
  // A stream that ends makes room.
  feed.Unsubscribe(*id);
  CHECK(feed.streams() == 5);
  CHECK(feed.Subscribe("10.0.0.1", Role::kPublic, std::make_shared<FakeSink>(), &refused));
  feed.Stop();
  CHECK(feed.streams() == 0);
  CHECK_FALSE(feed.Subscribe("10.0.0.5", Role::kPublic, sink, &refused));
}

TEST_CASE("a sink that is gone is dropped, and max_streams = 0 refuses every stream") {
  FeedFixture f;
  StatusFeed feed(f.io, f.config, f.cache);
  std::string refused;
  {
    auto sink = std::make_shared<FakeSink>();
    REQUIRE(feed.Subscribe("a", Role::kPublic, sink, &refused));
  }
  f.io.run_for(std::chrono::milliseconds(200));  // the status event finds no sink
  CHECK(feed.streams() == 0);
  feed.Stop();
  f.config.status.max_streams = 0;
  StatusFeed none(f.io, f.config, f.cache);
  CHECK_FALSE(none.Subscribe("a", Role::kPublic, std::make_shared<FakeSink>(), &refused));
  CHECK(refused == "max_streams");
}

}  // namespace
}  // namespace httpd
