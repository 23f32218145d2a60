#!/usr/bin/env python3
"""Many idle mutual-TLS EGD clients, for bench/run-stunnel-scale.

Opens N TLS connections to an EGD service behind stunnel (client certificate, the
host name checked against the CA), at most P handshakes in flight at a time; each
connection does one EGD read (`02 16`, 16 bytes back through the tunnel) and then
stays open and silent, like an idle QEMU rng-egd or egd-feed between feeds, until
SIGTERM/SIGINT or --seconds pass.

Once every connection has either been served or failed it prints one line of
key=value pairs to stdout and flushes it, so a script can wait for it:
  held=K failed=F connect_s=S rate=K/S p50_ms=.. p99_ms=.. max_ms=.. [error="first error"]
p50/p99/max are per connection, from starting the TCP connect to the last of the 16
bytes (handshake + one round trip). Exit 0 after holding, 1 if nothing could be held,
2 on bad arguments.

Why Python asyncio: one process, one thread and ~10 lines of TLS code hold 10,000
connections; the handshake's cost is OpenSSL's in either language, and a C++ client
would need OpenSSL wiring in egd-bench for no different number on the server side.
"""
import argparse
import asyncio
import resource
import signal
import ssl
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--connect", required=True, help="HOST:PORT of the stunnel server")
    p.add_argument("--connections", type=int, default=100)
    p.add_argument("--parallel", type=int, default=32, help="handshakes in flight at most")
    p.add_argument("--ca", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--server-name", required=True, help="name the host certificate must carry")
    p.add_argument("--seconds", type=float, default=3600.0, help="longest hold")
    a = p.parse_args(argv)
    host, _, port = a.connect.rpartition(":")
    if not host or not port.isdigit() or not 1 <= a.connections <= 60000 or a.parallel < 1:
        p.error("need --connect HOST:PORT, 1 <= --connections <= 60000, --parallel >= 1")
    a.host, a.port = host, int(port)
    return a


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


async def open_one(a, ctx, gate, held, times):
    """One connection: TLS, `02 16`, 16 bytes back; kept in `held` on success."""
    async with gate:
        t0 = time.monotonic()
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(a.host, a.port, ssl=ctx, server_hostname=a.server_name),
            timeout=30)
        try:
            writer.write(b"\x02\x10")
            await asyncio.wait_for(reader.readexactly(16), timeout=30)
        except BaseException:
            writer.close()
            raise
        times.append(time.monotonic() - t0)
        held.append(writer)


def percentile(values, q):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


async def run(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(a.ca)
    ctx.load_cert_chain(a.cert, a.key)
    gate = asyncio.Semaphore(a.parallel)
    held, times = [], []
    start = time.monotonic()
    results = await asyncio.gather(*(open_one(a, ctx, gate, held, times)
                                     for _ in range(a.connections)), return_exceptions=True)
    elapsed = time.monotonic() - start
    errors = [r for r in results if isinstance(r, BaseException)]
    line = "held=%d failed=%d connect_s=%.2f rate=%.0f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f" % (
        len(held), len(errors), elapsed, len(held) / elapsed if elapsed else 0,
        1000 * percentile(times, 0.5), 1000 * percentile(times, 0.99), 1000 * max(times or [0]))
    if errors:
        line += ' error="%s: %s"' % (type(errors[0]).__name__, str(errors[0]).replace('"', "'"))
    print(line, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if held:
        try:
            await asyncio.wait_for(stop.wait(), timeout=a.seconds)
        except asyncio.TimeoutError:
            pass
    for w in held:
        w.transport.abort()
    return 0 if held else 1


def main(argv):
    a = parse_args(argv)
    limit = raise_fd_limit()
    if limit < a.connections + 32:
        print("stunnel_scale_client: descriptor limit %d is too low for %d connections"
              % (limit, a.connections), file=sys.stderr)
        return 2
    return asyncio.run(run(a))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
