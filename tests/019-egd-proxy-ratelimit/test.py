#!/usr/bin/env python3
"""egdd's PROXY v1 listener (behind stunnel's protocol = proxy) and the per-client
rate limit: the real client address is what status, accounting and limits see;
a connection without a valid header is refused without disturbing anyone; a
client address cannot read faster than client_rate_limit, whatever number of
connections it opens, while other addresses keep their own allowance."""
import json
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402

RATE, BURST = 4000, 600


class ProxyRateTest(unittest.TestCase):
    def setUp(self):
        self._wd = egdtest.workdir()
        self.dir = self._wd.__enter__()
        self.addCleanup(self._wd.__exit__, None, None, None)
        data = os.path.join(self.dir, "random.bin")
        egdtest.write_random_file(data, 256 * 1024)
        self.proxy_port = egdtest.free_port()
        self.egd = egdtest.Egdd(
            self.dir, source={"kind": "file", "path": data},
            egd_keys={"command_timeout_ms": 500, "client_rate_limit": RATE,
                      "client_burst": BURST})
        # The generated listen line gets the proxy listener appended.
        with open(self.egd.config) as f:
            text = f.read()
        text = text.replace("listen = [", 'listen = ["proxy:127.0.0.1:%d", ' % self.proxy_port)
        with open(self.egd.config, "w") as f:
            f.write(text)
        self.egd.start()
        self.addCleanup(self.egd.stop)
        self.egd.wait_pool(200 * 1024)

    def proxied(self, source, sport=40000):
        s = socket.create_connection(("127.0.0.1", self.proxy_port), timeout=10)
        s.sendall(b"PROXY TCP4 %s 127.0.0.1 %d %d\r\n" % (source.encode(), sport,
                                                          self.proxy_port))
        return s

    def stats(self):
        return json.loads(self.egd.ctl("stats").stdout)

    def by_address(self):
        return {c["address"]: c for c in self.stats()["clients_by_address"]}

    def test_real_address_is_accounted(self):
        with self.proxied("192.0.2.7") as c:
            self.assertEqual(len(egdtest.egd_read_blocking(c, 16)), 16)
            entry = self.by_address()["192.0.2.7"]
            self.assertEqual(entry["connections"], 1)
            self.assertEqual(entry["bytes_served"], 16)
        # Only the start-up probe of egdtest came from 127.0.0.1 itself.
        self.assertEqual(self.by_address().get("127.0.0.1", {"bytes_served": 0})["bytes_served"], 0)

    def test_header_byte_by_byte_and_payload_in_same_segment(self):
        s = socket.create_connection(("127.0.0.1", self.proxy_port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in b"PROXY TCP6 2001:db8::9 ::1 1 2\r\n":
            s.sendall(bytes([b]))
            time.sleep(0.002)
        self.assertEqual(len(egdtest.egd_read_blocking(s, 8)), 8)
        s.close()
        with socket.create_connection(("127.0.0.1", self.proxy_port), timeout=10) as s2:
            s2.sendall(b"PROXY UNKNOWN\r\n\x02\x08")
            self.assertEqual(len(egdtest.recv_exact(s2, 8)), 8)
        self.assertIn("2001:db8::9", self.by_address())

    def test_missing_or_bad_header_is_refused_alone(self):
        with self.egd.connect() as bystander:
            for bad in (b"\x02\x10", b"PROXY TCP4 300.1.1.1 127.0.0.1 1 2\r\n\x02\x10",
                        b"GET / HTTP/1.0\r\n\r\n"):
                with socket.create_connection(("127.0.0.1", self.proxy_port), timeout=10) as s:
                    s.sendall(bad)
                    self.assertTrue(egdtest.closed_within(s, 3), bad)
            with socket.create_connection(("127.0.0.1", self.proxy_port), timeout=10) as s:
                s.sendall(b"PROXY TCP4 192.0.2")  # and then nothing: timed out
                self.assertTrue(egdtest.closed_within(s, 3))
            self.assertEqual(len(egdtest.egd_read_blocking(bystander, 32)), 32)
        self.assertEqual(self.stats()["egd"]["proxy_rejected"], 3)
        self.assertEqual(self.egd.status()["state"], "running")

    def pull(self, sock, seconds, out, key):
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            n += len(egdtest.egd_read_blocking(sock, 255))
        out[key] = n

    def test_rate_limit_per_address_across_connections(self):
        seconds = 2.0
        got = {}
        socks = {"a1": self.proxied("198.51.100.1", 1), "a2": self.proxied("198.51.100.1", 2),
                 "b": self.proxied("198.51.100.2", 3)}
        threads = [threading.Thread(target=self.pull, args=(s, seconds, got, k))
                   for k, s in socks.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in socks.values():
            s.close()
        limit = BURST + RATE * seconds
        # Address a, two connections, shares one allowance; b has its own. A
        # read may finish up to one request (255 bytes) past the deadline.
        self.assertLessEqual(got["a1"] + got["a2"], limit + 2 * 255)
        self.assertGreaterEqual(got["a1"] + got["a2"], 0.7 * limit)
        self.assertLessEqual(got["b"], limit + 255)
        self.assertGreaterEqual(got["b"], 0.7 * limit)
        self.assertGreater(self.stats()["egd"]["rate_limited"], 0)
        # Unlimited would have been far more: the file source is fully loaded.
        self.assertGreater(self.egd.status()["pool_bytes"], 100 * 1024)


if __name__ == "__main__":
    unittest.main(verbosity=2)
