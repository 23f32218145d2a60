#include "bench/responder.h"

#include <unistd.h>

#include <array>
#include <iostream>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/egd_codec.h"

namespace egdbench {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Fills `out` with the response to `req`; empty for 03 and `02 0`.
void BuildResponse(const egd::Request& req, std::vector<uint8_t>* out) {
  out->clear();
  switch (req.command) {
    case egd::Command::kEntropyCount:
      egd::EncodeEntropyCount(1u << 20, out);  // claims 1 Mibit, like a full pool
      break;
    case egd::Command::kReadNonBlocking:
      out->assign(1u + req.count, 0);
      (*out)[0] = req.count;
      break;
    case egd::Command::kReadBlocking:
      out->assign(req.count, 0);
      break;
    case egd::Command::kPid:
      egd::EncodePid(getpid(), out);
      break;
    case egd::Command::kWrite:
      break;
  }
}

// Answers every request completed by `in` (one write each); false on a
// protocol error.
asio::awaitable<bool> AnswerAll(tcp::socket& socket, egd::RequestParser& parser,
                                std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  for (;;) {
    size_t used = 0;
    egd::Request req;
    auto r = parser.Parse(in, &used, &req);
    if (r == egd::RequestParser::Result::kBad) co_return false;
    if (r == egd::RequestParser::Result::kNeedMore) co_return true;
    in = in.subspan(used);
    BuildResponse(req, &out);
    if (!out.empty()) co_await asio::async_write(socket, asio::buffer(out), asio::use_awaitable);
  }
}

asio::awaitable<void> Session(tcp::socket socket) {
  socket.set_option(tcp::no_delay(true));
  egd::RequestParser parser;
  std::array<uint8_t, 4096> in;
  std::vector<uint8_t> out;
  for (;;) {
    size_t n = co_await socket.async_read_some(asio::buffer(in), asio::use_awaitable);
    if (!co_await AnswerAll(socket, parser, std::span(in.data(), n), out)) {
      co_return;  // protocol error: close, as egdd does
    }
  }
}

asio::awaitable<void> AcceptLoop(tcp::acceptor& acceptor) {
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    // A session ends by an exception (EOF, reset); that only closes it.
    asio::co_spawn(acceptor.get_executor(), Session(std::move(socket)), asio::detached);
  }
}

}  // namespace

int RunResponder(const tcp::endpoint& listen) {
  asio::io_context io(1);
  tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  acceptor.open(listen.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(listen, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "egd-bench responder: cannot listen on " << listen << ": " << ec.message() << "\n";
    return 1;
  }
  std::cerr << "egd-bench responder: listening on " << acceptor.local_endpoint() << "\n";
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  asio::co_spawn(io, AcceptLoop(acceptor), asio::detached);
  io.run();
  return 0;
}

}  // namespace egdbench
