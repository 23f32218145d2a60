#!/usr/bin/env python3
"""110-fault-conn-churn: 10,000 connections, opened together and closed, round after
round, leave egdd holding no more fds and no more memory than before.

Each round opens 10,000 connections in batches (a third over TCP, a third over the unix
socket, a third over a PROXY listener, each of those with its own source address so
egdd's per-address table churns too), waits until egdd counts them all, then ends each
one in one of six ways: a plain close; a `04` answered, then close; half a command, then
close (mid-request); `02 255` never read, then close (a reset with data unread); `01 255`
then an abortive close (SO_LINGER 0: a reset); an unknown command byte (egdd closes).
After every round egdd must count no clients, hold exactly its starting fds, answer a
fresh client, and its resident memory must not grow from round to round (the first
round may leave the allocator's free lists larger: it is the reference).
"""
import json
import os
import socket
import struct
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from faulttest import (egdtest, fd_count, raise_nofile, rss_kib,  # noqa: E402
                       small_asan_quarantine, under_sanitizer)
from egdtest import recv_exact, wait_for  # noqa: E402

CONNECTIONS = 10000
ROUNDS = 4
BATCH = 500
# Growth allowed from the first round's resident memory to any later one. A leak of even
# 100 bytes per connection would be 1 MB a round (3 MB by the last).
RSS_SLACK_KIB = 1536
SANITIZER_RSS_SLACK_KIB = 16384   # ASan's quarantine, TSan's shadow memory
BEHAVIOURS = 6


class ChurnTest(unittest.TestCase):
    def setUp(self):
        raise_nofile(CONNECTIONS + 1000)
        tmp = tempfile.TemporaryDirectory(prefix="egdtest-110-")
        self.addCleanup(tmp.cleanup)
        # Every TCP and unix connection comes from one client key (127.0.0.1, uid:0): the
        # per-address limit must not be what refuses them here.
        self.egd = egdtest.Egdd(tmp.name, source={"kind": "os"}, proxy_tcp=True,
                                egd_keys={"max_clients": CONNECTIONS + 100,
                                          "max_clients_per_address": CONNECTIONS + 100})
        self.proxy_port = self.egd.proxy_port
        small_asan_quarantine()
        self.egd.start()
        self.addCleanup(lambda: self.assertEqual(self.egd.stop(), 0, "egdd exit code"))
        self.egd.wait_pool(1000)

    def open_one(self, i, rnd):
        transport = i % 3
        if transport == 0:
            s = socket.create_connection(("127.0.0.1", self.egd.port), timeout=30)
        elif transport == 1:
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(30)
            s.connect(self.egd.unix_path)
        else:
            s = socket.create_connection(("127.0.0.1", self.proxy_port), timeout=30)
            src = "10.%d.%d.%d" % (rnd, i >> 8 & 255, i & 255)
            s.sendall(("PROXY TCP4 %s 127.0.0.1 %d 8888\r\n" % (src, 1024 + i % 60000)).encode())
        return s

    def end_one(self, s, behaviour):
        """Ends one connection in one of BEHAVIOURS ways (see the module docstring)."""
        if behaviour == 1:
            s.sendall(b"\x04")
            recv_exact(s, recv_exact(s, 1)[0])
        elif behaviour == 2:
            s.sendall(b"\x03\x00\x10\x05ab")
        elif behaviour == 3:
            s.sendall(b"\x02\xff")
        elif behaviour == 4:
            s.sendall(b"\x01\xff")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif behaviour == 5:
            s.sendall(b"\xff")
        s.close()

    def round(self, rnd):
        t0 = time.monotonic()
        socks = []
        try:
            for start in range(0, CONNECTIONS, BATCH):
                socks += [self.open_one(i, rnd) for i in range(start, start + BATCH)]
            wait_for(lambda: self.egd.status()["clients"] == CONNECTIONS,
                     "egdd counts %d clients" % CONNECTIONS, timeout=60)
            opened = time.monotonic() - t0
            for i, s in enumerate(socks):
                self.end_one(s, (i // 3) % BEHAVIOURS)
        finally:
            for s in socks:
                s.close()
        wait_for(lambda: self.egd.status()["clients"] == 0, "all clients gone", timeout=60)
        wait_for(lambda: fd_count(self.egd.proc.pid) == self.base_fds,
                 "egdd back to %d fds" % self.base_fds, timeout=10)
        self.assert_fresh_client_served()
        rss = rss_kib(self.egd.proc.pid)
        print("\nround %d: opened in %.1f s, all done in %.1f s, RSS %d KiB, fds %d"
              % (rnd, opened, time.monotonic() - t0, rss, fd_count(self.egd.proc.pid)), end="")
        return rss

    def assert_fresh_client_served(self):
        with self.egd.connect() as s:
            self.assertEqual(len(egdtest.egd_read_blocking(s, 32)), 32)
            egdtest.assert_pid_next(s, self.egd)

    def test_churn_leaves_no_fds_or_memory_behind(self):
        pid = self.egd.proc.pid
        wait_for(lambda: self.egd.status()["clients"] == 0, "no clients")
        self.base_fds = fd_count(pid)
        before = json.loads(self.egd.ctl("stats").stdout)
        rss = [rss_kib(pid)]
        print("\nstart: RSS %d KiB, fds %d" % (rss[0], self.base_fds), end="")
        for rnd in range(1, ROUNDS + 1):
            rss.append(self.round(rnd))
        slack = SANITIZER_RSS_SLACK_KIB if under_sanitizer(pid) else RSS_SLACK_KIB
        for rnd in range(2, ROUNDS + 1):
            self.assertLessEqual(rss[rnd] - rss[1], slack,
                                 "resident memory grew from round 1 to round %d: %s KiB"
                                 % (rnd, rss))
        st = json.loads(self.egd.ctl("stats").stdout)
        self.assertEqual(st["egd"]["rejected"], 0)
        self.assertEqual(st["egd"]["connections"] - before["egd"]["connections"],
                         ROUNDS * (CONNECTIONS + 1))   # + the fresh client of each round
        self.assertEqual(st["egd"]["proxy_rejected"], 0)
        self.assertLessEqual(len(st["clients_by_address"]), 1024 + 2,
                             "per-address table not bounded")
        self.assertEqual(st["alarms"], 0)
        self.assertIsNone(self.egd.proc.poll(), "egdd died")


if __name__ == "__main__":
    unittest.main(verbosity=2)
