#!/usr/bin/env python3
"""111-fault-slow-clients: slowloris clients and clients that never read their responses
do not hold up anyone else, and cost egdd bounded memory.

Slowloris: 200 connections each trickle a long command (`03 00 10 ff` and a 255-byte
payload) one byte every 1.5 s and reconnect when dropped, while 16 good clients loop on
`02 32` and 8 slow but honest clients send one complete command (`04`) every 1.5 s. egdd
(command_timeout_ms = 4000) must drop every slowloris connection about 4 s after its
first byte (never much earlier, never much later), keep every honest one, and serve the
good clients all along: each completes requests every second.

Non-readers: 8 clients (TCP and unix) pipeline `02 255` / `01 255` as fast as the kernel
takes them and never read. egdd stops reading each once max_pending_output bytes wait for
it (README: memory stays bounded): the bytes it takes from the pool for them stop growing
at a bound of that limit plus the socket buffers (egdd bounds its send buffer too), its resident memory stays
bounded, they stay connected, good clients keep being served, and a non-reader that
finally reads gets complete, ordered answers.
"""
import json
import os
import selectors
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from faulttest import (egdtest, raise_nofile, rss_kib, small_asan_quarantine,  # noqa: E402
                       under_sanitizer)
from egdtest import recv_exact, wait_for  # noqa: E402

COMMAND_TIMEOUT = 4.0
PERIOD = 1.5                       # seconds between a slow client's bytes
LORIS = 200
ATTACK = 12.0                      # seconds
LORIS_COMMAND = b"\x03\x00\x10\xff" + bytes(range(255))
GOOD = 16
HONEST = 8
NON_READERS = 8
MAX_PENDING = 65536


class GoodClient(egdtest.BlockingReader):
    """Loops `02 32` until stopped; records when each answer completed."""

    def __init__(self, egd, unix):
        super().__init__(egd.connect(unix=unix), 32)
        self.done = []
        self.received = 0

    def answer(self, data):
        self.received += len(data)
        self.done.append(time.monotonic())

    def longest_gap(self, start, end):
        times = [start] + [t for t in self.done if start <= t <= end] + [end]
        return max(b - a for a, b in zip(times, times[1:]))


def start_good(egd):
    good = [GoodClient(egd, unix=i % 2 == 1) for i in range(GOOD)]
    for g in good:
        g.start()
    return good


def stop_good(test, good):
    for g in good:
        g.stop.set()
    for g in good:
        g.join(10)
    test.assertEqual([g.error for g in good if g.error], [], "a good client failed")


class SlowLoris:
    """LORIS connections trickling LORIS_COMMAND, driven by one thread with a selector;
    a connection egdd drops is replaced until the attack ends."""

    def __init__(self, egd):
        self.egd = egd
        self.sel = selectors.DefaultSelector()
        self.lifetimes = []      # seconds from first byte to egdd closing
        self.early_eof = []      # closed before the first byte was sent
        self.data = []           # anything egdd sent (it must send nothing)
        self.error = None

    def connect(self, i, now):
        s = self.egd.connect(unix=i % 2 == 1)
        s.setblocking(False)
        # [index, sent bytes, first byte time, next send time]
        self.sel.register(s, selectors.EVENT_READ, [i, 0, None, now + (i % 20) * PERIOD / 20])

    def run(self, duration):
        try:
            self.attack(duration)
        except Exception as e:  # reported by the test
            self.error = e

    def attack(self, duration):
        t0 = time.monotonic()
        for i in range(LORIS):
            self.connect(i, t0)
        while time.monotonic() < t0 + duration:
            for key, _ in self.sel.select(timeout=0.05):
                self.on_readable(key, time.monotonic())
            now = time.monotonic()
            for key in list(self.sel.get_map().values()):
                st = key.data
                if now >= st[3] and st[1] < len(LORIS_COMMAND):
                    try:
                        key.fileobj.send(LORIS_COMMAND[st[1]:st[1] + 1])
                    except OSError:   # egdd just closed it: the selector reports it next
                        continue
                    st[2] = st[2] or now
                    st[1] += 1
                    st[3] = now + PERIOD

    def on_readable(self, key, now):
        try:
            data = key.fileobj.recv(100)
        except ConnectionResetError:
            data = b""
        if data:
            self.data.append(data)
            return
        i, _, first, _ = key.data
        self.sel.unregister(key.fileobj)
        key.fileobj.close()
        if first is None:
            self.early_eof.append(i)
        else:
            self.lifetimes.append(now - first)
        self.connect(i, now)

    def close(self):
        for key in list(self.sel.get_map().values()):
            self.sel.unregister(key.fileobj)
            key.fileobj.close()
        self.sel.close()


class SlowClientsTest(unittest.TestCase):
    def start_egdd(self, **keys):
        raise_nofile(2048)
        small_asan_quarantine()
        tmp = tempfile.TemporaryDirectory(prefix="egdtest-111-")
        self.addCleanup(tmp.cleanup)
        self.egd = egdtest.Egdd(tmp.name, source={"kind": "os"}, egd_keys=keys).start()
        self.addCleanup(lambda: self.assertEqual(self.egd.stop(), 0, "egdd exit code"))
        self.egd.wait_pool(1000)

    def test_slowloris_dropped_others_served(self):
        self.start_egdd(command_timeout_ms=int(COMMAND_TIMEOUT * 1000))
        before = json.loads(self.egd.ctl("stats").stdout)["egd"]
        honest = [self.egd.connect(unix=i % 2 == 0) for i in range(HONEST)]
        good = start_good(self.egd)
        loris = SlowLoris(self.egd)
        honest_answers = 0
        try:
            t0 = time.monotonic()
            ticker = threading.Thread(target=loris.run, args=(ATTACK,))
            ticker.start()
            while time.monotonic() < t0 + ATTACK - PERIOD:
                time.sleep(PERIOD)
                for s in honest:
                    egdtest.assert_pid_next(s, self.egd)
                    honest_answers += 1
            ticker.join(ATTACK + 10)
            end = time.monotonic()
            st = self.egd.ctl("stats").stdout
            stop_good(self, good)
            gaps = [g.longest_gap(t0 + 1.0, end) for g in good]
        finally:
            loris.close()
            for s in honest:
                s.close()
        st = json.loads(st)
        print("\nslowloris dropped %d, lifetimes %.2f..%.2f s; honest answers %d; good requests "
              "%s, longest gaps %.2f s" % (len(loris.lifetimes), min(loris.lifetimes),
                                           max(loris.lifetimes), honest_answers,
                                           [len(g.done) for g in good], max(gaps)), end="")
        self.assertEqual(loris.data, [], "egdd answered a half command")
        self.assertEqual(loris.early_eof, [], "slowloris connections closed before sending")
        self.assertGreaterEqual(len(loris.lifetimes), LORIS, "not every slowloris was dropped")
        for life in loris.lifetimes:
            self.assertGreaterEqual(life, COMMAND_TIMEOUT - 0.5, "dropped before the timeout")
            self.assertLessEqual(life, COMMAND_TIMEOUT + 3.0, "dropped late")
        self.assertIsNone(loris.error)
        timeouts = st["egd"]["command_timeouts"] - before["command_timeouts"]
        self.assertGreaterEqual(timeouts, len(loris.lifetimes))
        self.assertLessEqual(timeouts, len(loris.lifetimes) + LORIS)
        self.assertEqual(st["egd"]["protocol_errors"], 0)
        for i, g in enumerate(good):
            self.assertLess(gaps[i], 3.0, "good client %d waited %.2f s" % (i, gaps[i]))
        self.assertGreater(honest_answers, 0)
        self.assertIsNone(self.egd.proc.poll(), "egdd died")

    def test_non_readers_are_bounded(self):
        self.start_egdd(max_pending_output=MAX_PENDING)
        pid = self.egd.proc.pid
        rss0 = rss_kib(pid)
        served0 = self.egd.status()["bytes_served"]
        stuffers = [Stuffer(self.egd, unix=i % 2 == 1) for i in range(NON_READERS)]
        try:
            good = start_good(self.egd)
            deadline = time.monotonic() + 4.0
            while time.monotonic() < deadline:   # keep pushing requests egdd will not read
                for s in stuffers:
                    s.push()
                time.sleep(0.05)
            stop_good(self, good)
            good_bytes = sum(g.received for g in good)
            self.assertTrue(all(len(g.done) > 50 for g in good),
                            "good clients starved: %s" % [len(g.done) for g in good])
            held = self.plateau(served0 + good_bytes)
            rss = rss_kib(pid)
            asked = sum(s.requested for s in stuffers)
            bound = sum(s.buffer_bound() for s in stuffers)
            print("\nnon-readers asked for %d bytes; egdd took %d for them (bound %d); "
                  "RSS %d -> %d KiB" % (asked, held, bound, rss0, rss), end="")
            self.assertGreater(asked, 4 * bound, "the non-readers did not push hard enough")
            self.assertLessEqual(held, bound)
            # egdd buffers about 130 KiB per non-reader; sanitizers add their allocators' caches.
            self.assertLess(rss - rss0, (64 if under_sanitizer(pid) else 16) * 1024,
                            "egdd's memory grew with unread output")
            self.assertEqual(self.egd.status()["clients"], NON_READERS,
                             "non-readers disconnected (policy: stop reading them)")
            with self.egd.connect() as s:   # others are still served
                self.assertEqual(len(egdtest.egd_read_blocking(s, 255)), 255)
            for s in stuffers[:2]:
                s.check_answers(4 * 1024 * 1024)
        finally:
            for s in stuffers:
                s.sock.close()
        wait_for(lambda: self.egd.status()["clients"] == 0, "non-readers gone")
        self.assertIsNone(self.egd.proc.poll(), "egdd died")

    def plateau(self, others):
        """Waits until bytes_served stops growing; returns what the non-readers got."""
        last, deadline = -1, time.time() + 20
        while True:
            served = self.egd.status()["bytes_served"]
            if served == last:
                return served - others
            self.assertLess(time.time(), deadline, "bytes_served keeps growing: %d" % served)
            last = served
            time.sleep(1.0)


class Stuffer:
    """A client that pipelines `02 255` and `01 255` alternately without reading the answers;
    request k (from 0) is `02 255` if k is even."""

    PATTERN = b"\x02\xff\x01\xff" * 4096

    def __init__(self, egd, unix):
        self.unix = unix
        self.sock = egd.connect(unix=unix)
        self.sock.setblocking(False)
        self.nsent = 0   # bytes of the request stream sent

    @property
    def requested(self):
        """Bytes the complete requests sent ask for, at most."""
        return 255 * (self.nsent // 2)

    def push(self):
        """Sends as much of the request stream as the kernel takes now."""
        while True:
            block = self.PATTERN[self.nsent % 4:]
            try:
                n = self.sock.send(block)
            except BlockingIOError:
                return
            self.nsent += n
            if n < len(block):
                return

    def buffer_bound(self):
        """Bytes that may be in flight to this client: egdd's own buffers (the pending
        output limit, one answer beyond it, the write in flight) plus the kernel's: egdd
        sets its send buffer to the pending limit (Linux doubles it); over TCP the
        client's receive buffer holds more (a unix socket's data counts against the
        sender's buffer only)."""
        kernel = 2 * MAX_PENDING
        if not self.unix:
            kernel += self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        return 2 * (MAX_PENDING + 256) + kernel

    def check_answers(self, limit):
        """Reads the first `limit` bytes of answers: each `02 255` gets 255 bytes, each
        `01 255` a length byte M <= 255 and M bytes, in the order sent."""
        self.sock.setblocking(True)
        self.sock.settimeout(10)
        got, k = 0, 0
        while got < limit and k < self.nsent // 2:
            if k % 2 == 0:
                got += len(recv_exact(self.sock, 255))
            else:
                m = recv_exact(self.sock, 1)[0]
                got += 1 + len(recv_exact(self.sock, m))
            k += 1


if __name__ == "__main__":
    unittest.main(verbosity=2)
