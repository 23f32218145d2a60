// The reference EGD responder of egd-bench: the least work a server can do per
// request, so that egdd's throughput can be read as a fraction of what the
// kernel's loopback path allows on this machine.
//
// It answers `02 N` with N zero bytes at once (also `00`, `01 N`, `04`; `03` is
// consumed), one write(2) per response, TCP_NODELAY, on one thread. Any other
// command byte closes the connection. The bytes are zeros: never use it as an
// entropy source. Requests are parsed by egd::RequestParser, as in egdd.
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace egdbench {

// Serves until SIGINT or SIGTERM, then returns 0. Returns 1 if it cannot listen.
int RunResponder(const boost::asio::ip::tcp::endpoint& listen);

}  // namespace egdbench
