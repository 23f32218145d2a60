#!/usr/bin/env python3
"""013-egd-limits: max_clients, command_timeout_ms, TCP_NODELAY, SIGHUP, SIGTERM.

An `hwrng` source on a FIFO written by the test gives an empty pool on demand
(for blocking reads that must wait); a `file` source gives a full one.
egdd releases bytes only when every test window covering them is complete
(100-byte total failure chunks, 128- or 512-byte APT windows); the test feeds
GRAIN bytes, a multiple of all of them, at a time.
"""
import os
import re
import resource
import signal
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import (GRAIN, Fifo, closed_within, healthy_random, prime_and_drain,  # noqa: E402
                     recv_exact, wait_for)


class Base(unittest.TestCase):
    """One egdd per test; hwrng on a FIFO (pool emptied) unless `file_size` is given."""

    def start(self, egd_keys=None, file_size=None):
        # These tests are about max_clients; all their clients are one or two client keys
        # (127.0.0.1, uid:N), which max_clients_per_address would otherwise limit first.
        egd_keys = dict(egd_keys or {}, max_clients_per_address=1000000)
        self.tmp = tempfile.TemporaryDirectory(prefix="egdtest-013-")
        self.addCleanup(self.tmp.cleanup)
        path = os.path.join(self.tmp.name, "source")
        if file_size:
            with open(path, "wb") as f:
                f.write(healthy_random(file_size))
            source = {"kind": "file", "path": path}
        else:
            self.fifo = Fifo(path)
            self.addCleanup(self.fifo.close)
            source = {"kind": "hwrng", "path": path}
        self.egd = egdtest.Egdd(self.tmp.name, source=source, egd_keys=egd_keys).start()
        self.addCleanup(lambda: self.assertEqual(self.egd.stop(), 0, "egdd exit code"))
        if file_size:
            wait_for(lambda: self.egd.status()["pool_bytes"] == file_size - file_size % GRAIN,
                     "file loaded")
        else:
            prime_and_drain(self.egd, self.fifo)

    def feed(self, n=GRAIN):
        return self.fifo.feed(n)

    def connect(self, unix=False):
        s = self.egd.connect(unix=unix)
        self.addCleanup(s.close)
        return s

    def assert_pid(self, s):
        egdtest.assert_pid_next(s, self.egd)

    def clients_are(self, n):
        wait_for(lambda: self.egd.status()["clients"] == n, "clients == %d" % n)

    def sighup(self):
        """Sends SIGHUP and waits until egdd logs that it reloaded (or failed to)."""
        before = len(self.egd.log_text())
        self.egd.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: re.search("reload", self.egd.log_text()[before:], re.I), "reload logged")
        return before

    def rewrite_config(self, old, new):
        with open(self.egd.config) as f:
            text = f.read()
        self.assertIn(old, text)
        tmp = self.egd.config + ".new"
        with open(tmp, "w") as f:
            f.write(text.replace(old, new))
        os.rename(tmp, self.egd.config)
        return text.replace(old, new)


class MaxClientsTest(Base):
    def test_fifth_connection_closed_others_served(self):
        self.start(egd_keys={"max_clients": 4}, file_size=GRAIN)
        four = [self.connect(unix=i == 3) for i in range(4)]
        for s in four:
            self.assert_pid(s)
        self.clients_are(4)
        log_before = len(self.egd.log_text())
        for unix in (False, True):
            extra = self.connect(unix=unix)
            t0 = time.time()
            self.assertTrue(closed_within(extra, 2.0), "5th connection (unix=%s) not closed" % unix)
            self.assertLess(time.time() - t0, 1.0)
        self.assertRegex(self.egd.log_text()[log_before:],
                         re.compile(r"max_clients|too many|limit|reject", re.I))
        for s in four:
            self.assertEqual(len(egdtest.egd_read_blocking(s, 16)), 16)
            self.assert_pid(s)
        self.assertEqual(self.egd.status()["clients"], 4)
        four[0].close()
        self.clients_are(3)
        self.assert_pid(self.connect())


class FileLimitTest(Base):
    def test_soft_fd_limit_raised_to_hard(self):
        """Started with systemd's soft limit of 1024 (here 64), egdd raises its soft limit
        to the hard one: otherwise it could hold only ~1000 clients whatever max_clients
        says."""
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.assertGreater(hard, 64)
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
        try:
            self.start(egd_keys={"max_clients": 200}, file_size=GRAIN)
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        with open("/proc/%d/limits" % self.egd.proc.pid) as f:
            line = [l for l in f if l.startswith("Max open files")][0]
        self.assertEqual(line.split()[3:5], [str(hard), str(hard)], line)
        many = [self.connect() for _ in range(150)]   # more than 64 descriptors
        self.clients_are(150)
        self.assert_pid(many[-1])


class CommandTimeoutTest(Base):
    def test_half_commands_dropped_idle_and_waiting_kept(self):
        self.start(egd_keys={"command_timeout_ms": 500})
        idle, waiting = self.connect(), self.connect(unix=True)
        waiting.sendall(b"\x02\x10")
        halves = [b"\x03\x00\x10", b"\x02", b"\x03\x00\x10\x05ab"]
        half_socks = [self.connect(unix=i == 1) for i in range(len(halves))]
        t0 = time.time()
        for s, h in zip(half_socks, halves):
            s.sendall(h)
        for s, h in zip(half_socks, halves):
            self.assertTrue(closed_within(s, max(0.1, t0 + 1.5 - time.time())),
                            "half command %r not dropped within 1.5 s" % h)
            self.assertGreaterEqual(time.time() - t0, 0.4, "half command %r dropped early" % h)
        time.sleep(max(0.0, t0 + 2.0 - time.time()))
        self.assertFalse(closed_within(idle, 0.01), "idle client dropped")
        self.assertFalse(closed_within(waiting, 0.01), "waiting client dropped")
        self.assert_pid(idle)
        data = self.feed()
        self.assertEqual(recv_exact(waiting, 16), data[:16])
        self.assert_pid(waiting)
        self.assertEqual(self.egd.status()["clients"], 2)


class NoDelayTest(Base):
    def test_round_trips_are_fast(self):
        self.start(file_size=2 * GRAIN)
        s = self.connect()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for name, req, read in (("02 32", b"\x02\x20", lambda: recv_exact(s, 32)),
                                ("01 32", b"\x01\x20", lambda: recv_exact(s, 33)),
                                ("04", b"\x04", lambda: recv_exact(s, recv_exact(s, 1)[0]))):
            t0 = time.monotonic()
            for _ in range(200):
                s.sendall(req)
                read()
            elapsed = time.monotonic() - t0
            print("\n200 x %s: %.3f s" % (name, elapsed), end="")
            self.assertLess(elapsed, 2.0, "200 round trips of %s took %.2f s (Nagle?)"
                            % (name, elapsed))

    def test_late_response_not_held_by_nagle(self):
        # The 04 answer is still unacknowledged (the client delays its ACK: it has nothing to
        # send) when the 02 answer is written; without TCP_NODELAY the kernel holds that
        # small segment until the delayed ACK comes, about 40 ms each time.
        self.start()
        s = self.connect()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        late = 0.0
        for _ in range(30):
            s.sendall(b"\x04\x02\xff")
            recv_exact(s, recv_exact(s, 1)[0])
            time.sleep(0.002)
            data = self.feed()
            t0 = time.monotonic()
            self.assertEqual(recv_exact(s, 255), data[:255])
            late += time.monotonic() - t0
            rest, deadline = b"", time.time() + 5
            while len(rest) < len(data) - 255:   # empty the pool: the next 02 must wait
                self.assertLess(time.time(), deadline, "fed bytes never all served")
                rest += egdtest.egd_read_nonblocking(s, 255)
            self.assertEqual(rest, data[255:])
        print("\n30 late answers: %.3f s" % late, end="")
        self.assertLess(late, 0.6, "late answers delayed (no TCP_NODELAY on the socket?)")


class SignalTest(Base):
    def test_sighup_applies_new_config_keeps_clients(self):
        self.start(egd_keys={"max_clients": 8})
        pending, x, y = self.connect(), self.connect(unix=True), self.connect()
        pending.sendall(b"\x02\x10")
        self.assert_pid(x)
        self.clients_are(3)
        self.rewrite_config("max_clients = 8", "max_clients = 3")
        self.sighup()
        self.assertTrue(closed_within(self.connect(), 2.0), "new max_clients = 3 not applied")
        self.assert_pid(x)
        self.assert_pid(y)
        data = self.feed()
        self.assertEqual(recv_exact(pending, 16), data[:16])
        self.assert_pid(pending)
        x.close()
        self.clients_are(2)
        self.assert_pid(self.connect())
        self.assertIsNone(self.egd.proc.poll())

    def test_invalid_config_on_sighup_keeps_old(self):
        self.start(egd_keys={"max_clients": 2})
        a, b = self.connect(), self.connect(unix=True)
        a.sendall(b"\x02\x10")
        self.assert_pid(b)
        self.clients_are(2)
        text = self.rewrite_config("max_clients = 2", "max_clients = 5\nno_such_key = 1")
        bad_line = text.splitlines().index("no_such_key = 1") + 1
        log_before = self.sighup()
        self.assertRegex(self.egd.log_text()[log_before:], r"egdd\.toml:%d\b" % bad_line)
        self.assertIsNone(self.egd.proc.poll(), "egdd exited on an invalid config")
        self.assertTrue(closed_within(self.connect(), 2.0), "old max_clients = 2 not kept")
        self.assert_pid(b)
        data = self.feed()
        self.assertEqual(recv_exact(a, 16), data[:16])
        self.rewrite_config("no_such_key = 1", "")
        self.sighup()
        self.assert_pid(self.connect())   # max_clients = 5 now

    def test_sigterm_exits_zero_promptly(self):
        self.start()
        pending, idle, half = self.connect(), self.connect(unix=True), self.connect()
        pending.sendall(b"\x02\x10")
        half.sendall(b"\x03\x00")
        self.assert_pid(idle)
        self.clients_are(3)
        t0 = time.time()
        self.egd.proc.send_signal(signal.SIGTERM)
        try:
            code = self.egd.proc.wait(timeout=3)
        except Exception:
            self.fail("egdd still running 3 s after SIGTERM")
        print("\nexit %d after %.3f s" % (code, time.time() - t0), end="")
        self.assertEqual(code, 0)
        for s in (pending, idle, half):
            try:
                self.assertTrue(closed_within(s, 1.0), "client connection left open")
            except ConnectionResetError:
                pass


if __name__ == "__main__":
    unittest.main(verbosity=2)
