#!/usr/bin/env python3
"""012-egd-fairness: blocked readers share a slow source fairly.

egdd reads an `hwrng` source on a FIFO that the test feeds at 8,000 bytes/s
(128 bytes every 16 ms) while clients keep blocking reads queued. Each arrival
serves only a few of the queued reads, so the order in which egdd serves them
decides who gets what.

The unit of fairness is the request: egdd serves queued blocking reads whole,
in FIFO order, and keeps at most one queued request per connection, so each
connection with a request waiting gets one request served per round (round
robin by request). Hence:
- 16 clients looping `02 32` each get within 20% of the mean byte count;
- a greedy client that keeps 50 `02 255` pipelined gains nothing from
  pipelining: its number of served requests is at most 1.2 x (the polite
  clients' mean) + 1, and the 15 polite clients (`02 32` loops) stay within
  20% of their mean, so none is starved.
Nothing is lost: written = delivered + what is still in the pool.
"""
import os
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import (GRAIN, Fifo, healthy_random, prime_and_drain, recv_exact,  # noqa: E402
                     wait_for)

RATE_BYTES, PERIOD = 128, 0.016    # 8,000 bytes/s
DURATION = 6.4                     # 51,200 bytes in all (a multiple of GRAIN, the unit in
                                   # which egdd's health test windows release bytes)


class Reader(threading.Thread):
    """Keeps `depth` blocking reads of `size` bytes queued; counts completed ones."""

    def __init__(self, sock, size, depth):
        super().__init__(daemon=True)
        self.sock, self.size, self.depth = sock, size, depth
        self.served = 0
        self.stopping = False   # set before the test closes the socket
        self.error = None

    def run(self):
        req = bytes([2, self.size])
        try:
            self.sock.sendall(req * self.depth)
            while True:
                recv_exact(self.sock, self.size)
                self.served += 1
                self.sock.sendall(req)
        except (EOFError, OSError) as e:
            if not self.stopping:
                self.error = e


class FairnessTest(unittest.TestCase):
    def run_scenario(self, specs):
        """specs: list of (size, depth) per client. Returns the Readers after the feed period."""
        with tempfile.TemporaryDirectory(prefix="egdtest-012-") as d:
            fifo_path = os.path.join(d, "hwrng.fifo")
            fifo = Fifo(fifo_path)
            try:
                with egdtest.Egdd(d, source={"kind": "hwrng", "path": fifo_path}) as egd:
                    prime_and_drain(egd, fifo)
                    start_written = fifo.written
                    readers = [Reader(egd.connect(unix=i % 2 == 1), size, depth)
                               for i, (size, depth) in enumerate(specs)]
                    for r in readers:
                        r.start()
                    time.sleep(0.2)  # every reader has its requests queued
                    data = healthy_random(round(DURATION / PERIOD) * RATE_BYTES)
                    self.assertEqual(len(data) % GRAIN, 0)
                    t0 = time.monotonic()
                    for i in range(0, len(data), RATE_BYTES):
                        time.sleep(max(0.0, t0 + PERIOD * i / RATE_BYTES - time.monotonic()))
                        fifo.write(data[i:i + RATE_BYTES])
                    wait_for(lambda: egd.status()["bytes_received"] == fifo.written,
                             "egdd read everything written")
                    time.sleep(0.5)   # last deliveries reach the readers
                    counts = [r.served for r in readers]
                    st = egd.status()
                    for r in readers:
                        r.stopping = True
                        r.sock.shutdown(socket.SHUT_RDWR)
                        r.sock.close()
                        r.join(5)
                    self.assertIsNone(egd.proc.poll(), "egdd died")
            finally:
                fifo.close()
        self.assertEqual([r.error for r in readers if r.error], [], "a reader lost its connection")
        delivered = sum(c * size for c, (size, _) in zip(counts, specs))
        written = fifo.written - start_written
        print("\nwritten %d, delivered %d, served requests per client %s"
              % (written, delivered, counts))
        self.assertEqual(st["pool_bytes"], written - delivered, "bytes lost or duplicated")
        self.assertLess(written - delivered, max(size for size, _ in specs),
                        "bytes left in the pool although readers were waiting")
        self.assertEqual(st["alarms"], 0)
        return counts

    def assert_within(self, counts, tolerance, what):
        mean = sum(counts) / len(counts)
        self.assertGreater(mean, 20, "too few requests served to judge (%s)" % what)
        for i, c in enumerate(counts):
            self.assertLessEqual(abs(c - mean), tolerance * mean,
                                 "%s client %d: %d requests, mean %.1f: %s"
                                 % (what, i, c, mean, counts))
        return mean

    def test_equal_clients_share_equally(self):
        counts = self.run_scenario([(32, 1)] * 16)
        self.assert_within(counts, 0.20, "polite")

    def test_pipelining_client_does_not_starve_others(self):
        counts = self.run_scenario([(255, 50)] + [(32, 1)] * 15)
        greedy, polite = counts[0], counts[1:]
        mean = self.assert_within(polite, 0.20, "polite")
        self.assertLessEqual(greedy, 1.2 * mean + 1,
                             "greedy client got %d requests served, polite mean %.1f"
                             % (greedy, mean))


if __name__ == "__main__":
    unittest.main(verbosity=2)
