// The `hold` mode of egd-bench: opens N connections to an EGD server, proves
// that the server serves each one (one `00` round trip each: egdd and
// EntropyBroker's eb_client_egd both answer it without touching their pool),
// optionally reads a burst of `burst` pipelined `02 255` on each (a client that
// has been busy before going idle) and leaves a blocking read `02 <park>`
// outstanding, then holds them all open and idle until SIGINT/SIGTERM or
// `seconds` pass.
// bench/run-idle measures the server's memory and CPU meanwhile.
//
// Once every connection is up it prints one line to stdout
// (`held=N connect_s=S`) and flushes, so a script can wait for it.
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace egdbench {

struct HoldOptions {
  boost::asio::ip::tcp::endpoint target;
  int connections = 1;      // [1, 60000]
  int burst = 0;            // pipelined `02 255` reads per connection before idling, [0, 1024]
  int park = 0;             // N of a `02 N` left outstanding per connection; 0: none
  double seconds = 3600.0;  // longest hold
};

// Returns 0 after holding, 1 if a connection or its round trip failed
// (message on stderr; every connection is closed on return).
int RunHold(const HoldOptions& options);

}  // namespace egdbench
