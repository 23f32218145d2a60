#!/usr/bin/env python3
"""egdd's PROXY v1 listeners (behind stunnel's protocol = proxy), client identities and
the per-client limits.

- proxy:unix:PATH (in a 0750 directory) and proxy:127.0.0.1:PORT: the real client address
  is what status, accounting and limits see; PROXY UNKNOWN keeps the unix peer's uid:N; a
  connection without a valid header is refused without disturbing anyone.
- A TCP proxy listener takes headers only from [egd] proxy_trusted_peers: any other peer
  is closed at once, logged and counted; a loopback entry draws a warning at start.
- A PROXY header on a plain listener closes the connection with a line that says so.
- Identities: one IPv6 address in six spellings, and two addresses of one /64, are one
  client key: one rate bucket, one entry in clients_by_address.
- client_rate_limit holds per key, whatever number of connections it opens, while other
  keys keep their own allowance.
- max_clients_per_address: with max_clients = 8, eight idle connections from one address
  (proxied, or plain TCP from 127.0.0.1) take two slots; another client still gets in.
"""
import os
import re
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402

RATE, BURST = 4000, 600
SPELLINGS = ("2001:db8::7", "2001:DB8::7", "2001:0db8:0000:0000:0000:0000:0000:0007",
             "2001:db8:0:0::7", "2001:db8::0:7", "2001:0DB8:0:0:0:0:0:0007")


class Base(unittest.TestCase):
    def start(self, size=256 * 1024, **kw):
        self.dir = self.enterContext(egdtest.workdir())
        data = os.path.join(self.dir, "random.bin")
        egdtest.write_random_file(data, size)
        kw.setdefault("egd_keys", {})
        kw["egd_keys"].setdefault("command_timeout_ms", 500)
        self.egd = egdtest.Egdd(self.dir, source={"kind": "file", "path": data}, **kw)
        self.egd.start()
        self.addCleanup(lambda: self.assertEqual(self.egd.stop(), 0, "egdd exit code"))
        self.egd.wait_pool(size - size % egdtest.GRAIN)

    def by_address(self):
        return {c["address"]: c for c in self.egd.stats()["clients_by_address"]}

    def pull(self, sock, deadline, out, key):
        n = 0
        while time.monotonic() < deadline:
            n += len(egdtest.egd_read_blocking(sock, 255))
        out[key] = n

    def pull_all(self, socks, seconds):
        """Blocking reads of 255 on every socket for `seconds`; bytes per socket. One
        deadline for all: threads that start late (a loaded machine) must not stretch
        the window the rate limit is measured over."""
        got = {}
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=self.pull, args=(s, deadline, got, k))
                   for k, s in socks.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return got


class ProxyListenerTest(Base):
    def setUp(self):
        self.start(proxy_unix=True, proxy_tcp=True,
                   egd_keys={"client_rate_limit": RATE, "client_burst": BURST})

    def test_loopback_trusted_peer_warned(self):
        self.assertRegex(self.egd.log_text(), r"proxy_trusted_peers lists 127\.0\.0\.1, a "
                         r"loopback address: any local process")

    def test_real_address_is_accounted(self):
        with self.egd.connect_proxy("192.0.2.7", unix=False) as c:
            self.assertEqual(len(egdtest.egd_read_blocking(c, 16)), 16)
            entry = self.by_address()["192.0.2.7"]
            self.assertEqual(entry["connections"], 1)
            self.assertEqual(entry["bytes_served"], 16)
        # Only the start-up probe of egdtest came from 127.0.0.1 itself.
        self.assertEqual(self.by_address().get("127.0.0.1", {"bytes_served": 0})["bytes_served"], 0)

    def test_proxy_unix_listener_serves_the_proxy_address(self):
        mode = os.stat(self.egd.proxy_unix_path).st_mode & 0o777
        self.assertEqual(mode, 0o660)
        with self.egd.connect_proxy("198.51.100.9") as c, self.egd.connect_proxy(None) as u:
            self.assertEqual(len(egdtest.egd_read_blocking(c, 24)), 24)
            self.assertEqual(len(egdtest.egd_read_blocking(u, 8)), 8)
            table = self.by_address()
            self.assertEqual(table["198.51.100.9"]["bytes_served"], 24)
            # PROXY UNKNOWN on a unix listener: the peer's own identity, uid:N.
            self.assertEqual(table["uid:%d" % os.getuid()]["bytes_served"], 8)

    def test_header_byte_by_byte_and_payload_in_same_segment(self):
        s = socket.create_connection(("127.0.0.1", self.egd.proxy_port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in b"PROXY TCP6 2001:db8::9 ::1 1 2\r\n":
            s.sendall(bytes([b]))
            time.sleep(0.002)
        self.assertEqual(len(egdtest.egd_read_blocking(s, 8)), 8)
        s.close()
        with socket.create_connection(("127.0.0.1", self.egd.proxy_port), timeout=10) as s2:
            s2.sendall(b"PROXY UNKNOWN\r\n\x02\x08")
            self.assertEqual(len(egdtest.recv_exact(s2, 8)), 8)
        self.assertIn("2001:db8::/64", self.by_address())

    def test_missing_or_bad_header_is_refused_alone(self):
        with self.egd.connect() as bystander:
            for bad in (b"\x02\x10", b"PROXY TCP4 300.1.1.1 127.0.0.1 1 2\r\n\x02\x10",
                        b"GET / HTTP/1.0\r\n\r\n"):
                with socket.create_connection(("127.0.0.1", self.egd.proxy_port), timeout=10) as s:
                    s.sendall(bad)
                    self.assertTrue(egdtest.closed_within(s, 3), bad)
            with socket.create_connection(("127.0.0.1", self.egd.proxy_port), timeout=10) as s:
                s.sendall(b"PROXY TCP4 192.0.2")  # and then nothing: timed out
                self.assertTrue(egdtest.closed_within(s, 3))
            self.assertEqual(len(egdtest.egd_read_blocking(bystander, 32)), 32)
        self.assertEqual(self.egd.stats()["egd"]["proxy_rejected"], 3)
        self.assertEqual(self.egd.status()["state"], "running")

    def test_proxy_header_on_a_plain_listener_is_closed(self):
        before = len(self.egd.log_text())
        for unix in (False, True):
            with self.egd.connect(unix=unix) as s:
                s.sendall(b"PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\n\x02\x10")
                self.assertTrue(egdtest.closed_within(s, 3), "unix=%s" % unix)
        egd = self.egd.stats()["egd"]
        self.assertEqual((egd["proxy_header_unexpected"], egd["proxy_rejected"]), (2, 2))
        self.assertEqual(egd["protocol_errors"], 0)
        log = self.egd.log_text()[before:]
        self.assertEqual(len(re.findall("PROXY header on a listener that takes none", log)), 2,
                         log)
        self.assertNotIn("203.0.113.7", self.by_address())

    def test_rate_limit_per_address_across_connections(self):
        seconds = 2.0
        socks = {"a1": self.egd.connect_proxy("198.51.100.1", 1, unix=False),
                 "a2": self.egd.connect_proxy("198.51.100.1", 2),
                 "b": self.egd.connect_proxy("198.51.100.2", 3)}
        got = self.pull_all(socks, seconds)
        for s in socks.values():
            s.close()
        limit = BURST + RATE * seconds
        # Address a, two connections, shares one allowance; b has its own. A
        # read may finish up to one request (255 bytes) past the deadline.
        self.assertLessEqual(got["a1"] + got["a2"], limit + 2 * 255)
        self.assertGreaterEqual(got["a1"] + got["a2"], 0.7 * limit)
        self.assertLessEqual(got["b"], limit + 255)
        self.assertGreaterEqual(got["b"], 0.7 * limit)
        self.assertGreater(self.egd.stats()["egd"]["rate_limited"], 0)
        # Unlimited would have been far more: the file source is fully loaded.
        self.assertGreater(self.egd.status()["pool_bytes"], 100 * 1024)

    def test_six_spellings_and_one_slash64_share_one_bucket(self):
        seconds = 1.5
        socks = {"s%d" % i: self.egd.connect_proxy(a, 100 + i, unix=i % 2 == 0)
                 for i, a in enumerate(SPELLINGS)}
        socks["same64"] = self.egd.connect_proxy("2001:db8::ffff:1234", 200)
        socks["other64"] = self.egd.connect_proxy("2001:db8:0:1::7", 201)
        for s in socks.values():      # every header is in before the clock starts
            egdtest.assert_pid_next(s, self.egd)
        table = self.by_address()
        self.assertEqual(table["2001:db8::/64"]["connections"], 7, table)
        self.assertEqual(table["2001:db8:0:1::/64"]["connections"], 1, table)
        self.assertFalse([k for k in table if k.startswith("2001:db8::7")], table)
        got = self.pull_all(socks, seconds)
        for s in socks.values():
            s.close()
        limit = BURST + RATE * seconds
        shared = sum(n for k, n in got.items() if k != "other64")
        print("\none /64 over 7 connections: %d bytes; another /64: %d (limit %d each)"
              % (shared, got["other64"], limit), end="")
        self.assertLessEqual(shared, limit + 7 * 255, got)
        self.assertGreaterEqual(shared, 0.7 * limit, got)
        self.assertLessEqual(got["other64"], limit + 255)
        self.assertGreaterEqual(got["other64"], 0.7 * limit)


class UntrustedPeerTest(Base):
    def setUp(self):
        self.start(size=64 * 1024, proxy_tcp=True,
                   egd_keys={"proxy_trusted_peers": ["127.0.0.2"]})

    def test_untrusted_peer_closed_at_once_trusted_served(self):
        before = len(self.egd.log_text())
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", self.egd.proxy_port), timeout=10) as s:
                t0 = time.monotonic()
                try:
                    s.sendall(b"PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\n\x02\x10")
                except OSError:
                    pass
                self.assertTrue(egdtest.refused_within(s, 1.0))
                self.assertLess(time.monotonic() - t0, 0.5, "not closed at once")
        egd = self.egd.stats()["egd"]
        self.assertEqual((egd["proxy_untrusted_peer"], egd["proxy_rejected"]), (3, 3))
        self.assertEqual(egd["bytes_written_by_clients"], 0)
        self.assertNotIn("203.0.113.7", self.by_address())
        log = self.egd.log_text()[before:]
        # Logged, but not once per connection.
        lines = re.findall(r".*127\.0\.0\.1 is not in \[egd\] proxy_trusted_peers.*", log)
        self.assertEqual(len(lines), 1, log)
        with socket.create_connection(("127.0.0.1", self.egd.proxy_port), timeout=10,
                                      source_address=("127.0.0.2", 0)) as s:
            s.sendall(b"PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\n")
            self.assertEqual(len(egdtest.egd_read_blocking(s, 16)), 16)
            self.assertEqual(self.by_address()["203.0.113.7"]["bytes_served"], 16)
        self.assertRegex(self.egd.log_text(), r"proxy_trusted_peers lists 127\.0\.0\.2, a loopback")


class PerAddressLimitTest(Base):
    def setUp(self):
        self.start(size=64 * 1024, proxy_unix=True, egd_keys={"max_clients": 8})

    def test_eight_idle_connections_from_one_address_do_not_lock_out_others(self):
        before = len(self.egd.log_text())
        # Proxied: the key is known once the header came.
        idle = [self.egd.connect_proxy("198.51.100.1", 1000 + i) for i in range(8)]
        closed = [s for s in idle if egdtest.closed_within(s, 1.0)]
        self.assertEqual(len(closed), 6, "max_clients = 8 gives 2 connections per address")
        with self.egd.connect_proxy("198.51.100.2") as other:
            self.assertEqual(len(egdtest.egd_read_blocking(other, 16)), 16)
        # Plain TCP from 127.0.0.1: refused at accept.
        plain = [self.egd.connect() for _ in range(8)]
        plain_closed = [s for s in plain if egdtest.closed_within(s, 1.0)]
        self.assertEqual(len(plain_closed), 6)
        with self.egd.connect(unix=True) as local:   # uid:0 is another client key
            self.assertEqual(len(egdtest.egd_read_blocking(local, 16)), 16)
        st = self.egd.stats()
        self.assertEqual(st["egd"]["rejected_per_address"], 12)
        self.assertEqual(st["egd"]["max_clients_per_address"], 2)
        self.assertEqual(st["egd"]["rejected"], 0, "max_clients itself was never reached")
        table = {c["address"]: c for c in st["clients_by_address"]}
        self.assertEqual((table["198.51.100.1"]["connections"], table["198.51.100.1"]["rejected"]),
                         (2, 6))
        self.assertEqual((table["127.0.0.1"]["connections"], table["127.0.0.1"]["rejected"]),
                         (2, 6))
        log = self.egd.log_text()[before:]
        for key in ("198.51.100.1", "127.0.0.1"):
            lines = re.findall(r".*rejected: 2 connections of %s already open "
                               r"\(max_clients_per_address = 2\).*" % re.escape(key), log)
            self.assertEqual(len(lines), 1, "refusals of %s not logged once:\n%s" % (key, log))
        for s in idle + plain:
            s.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
