#!/usr/bin/env python3
"""010-egd-protocol: every EGD command against a real egdd, over TCP and unix.

A `file` source (fully loaded, raw mode) lets us check every served byte
against the file; an `hwrng` source on a FIFO that the test writes lets us
control exactly when bytes arrive (pending blocking reads, dead clients).
Test data passes egdd's health tests with certainty (egdtest.healthy_random).
egdd releases a byte only when every test window covering it is complete
(100-byte total failure chunks, 128- or 512-byte APT windows): GRAIN, a
multiple of all of them, is the unit in which the test feeds data.
"""
import os
import socket
import struct
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import (GRAIN, Fifo, assert_pid_next, assert_silent, egd_entropy,  # noqa: E402
                     healthy_random, prime_and_drain, recv_exact, request, wait_for)

SERVED = 4 * GRAIN
FILE_SIZE = SERVED + 37      # the 37 bytes of the last incomplete window are never served


def on_both(check):
    """Runs check(self, sock) once over TCP and once over the unix socket."""
    def test(self):
        for unix in (False, True):
            with self.subTest(unix=unix), self.egd.connect(unix=unix) as s:
                check(self, s)
    return test


class FileSourceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="egdtest-010-")
        path = os.path.join(cls.tmp.name, "random.bin")
        cls.data = healthy_random(FILE_SIZE)
        with open(path, "wb") as f:
            f.write(cls.data)
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.egd = egdtest.Egdd(cls.tmp.name, source={"kind": "file", "path": path,
                                                      "entropy_per_bit": 1.0}).start()
        cls.addClassCleanup(cls.stop_egdd)
        wait_for(lambda: cls.egd.status()["bytes_received"] == FILE_SIZE, "file fully read")
        wait_for(lambda: cls.egd.status()["pool_bytes"] == SERVED, "pool == file minus its tail")

    @classmethod
    def stop_egdd(cls):
        code = cls.egd.stop()
        assert code == 0, "egdd exited %r on SIGTERM" % code

    def locate(self, chunk, after=None):
        """Offset of `chunk` in the file; with `after`, it must start exactly there."""
        if after is not None:
            self.assertEqual(self.data[after:after + len(chunk)], chunk, "not contiguous")
            return after
        off = self.data.find(chunk)
        self.assertNotEqual(off, -1, "served bytes not found in the file")
        self.assertLessEqual(off + len(chunk), SERVED, "bytes of the untested tail were served")
        return off

    @on_both
    def test_00_entropy_count(self, s):
        before = self.egd.status()
        bits = egd_entropy(s)
        after = self.egd.status()
        self.assertEqual(before["pool_bytes"], after["pool_bytes"], "pool changed without readers")
        self.assertEqual(bits, before["entropy_bits"])
        self.assertEqual(bits, 8 * before["pool_bytes"])
        assert_pid_next(s, self.egd)

    @on_both
    def test_01_zero(self, s):
        s.sendall(b"\x01\x00")
        self.assertEqual(recv_exact(s, 1), b"\x00")
        assert_pid_next(s, self.egd)

    @on_both
    def test_01_255(self, s):
        pool = self.egd.status()["pool_bytes"]
        self.assertGreaterEqual(pool, 255)
        s.sendall(b"\x01\xff")
        m = recv_exact(s, 1)[0]
        self.assertEqual(m, 255, "pool holds %d bytes but 01 255 returned %d" % (pool, m))
        self.locate(recv_exact(s, m))
        assert_pid_next(s, self.egd)
        self.assertEqual(self.egd.status()["pool_bytes"], pool - 255)

    @on_both
    def test_02_zero(self, s):
        pool = self.egd.status()["pool_bytes"]
        s.sendall(b"\x02\x00")
        assert_pid_next(s, self.egd)
        self.assertEqual(self.egd.status()["pool_bytes"], pool)

    @on_both
    def test_02_255_then_1_contiguous(self, s):
        off = self.locate(request(s, b"\x02\xff", 255))
        self.locate(request(s, b"\x02\x01", 1), after=off + 255)
        self.locate(request(s, b"\x02\x40", 64), after=off + 256)
        assert_pid_next(s, self.egd)

    @on_both
    def test_03_write_never_credited(self, s):
        for hh, ll, payload in ((0, 0, b""), (0x02, 0x00, os.urandom(64)),
                                (0xff, 0xff, os.urandom(255))):
            bits, pool = egd_entropy(s), self.egd.status()["pool_bytes"]
            s.sendall(bytes([3, hh, ll, len(payload)]) + payload)
            assert_pid_next(s, self.egd)  # 03 has no response
            self.assertEqual(egd_entropy(s), bits, "03 changed the entropy count")
            self.assertEqual(self.egd.status()["pool_bytes"], pool, "03 data entered the pool")

    @on_both
    def test_04_pid(self, s):
        s.sendall(b"\x04")
        n = recv_exact(s, 1)[0]
        self.assertEqual(recv_exact(s, n), str(self.egd.proc.pid).encode())
        assert_silent(s)

    PIPELINE = (b"\x00" + b"\x01\x05" + b"\x02\x07" + b"\x04" + b"\x03\x00\x08\x04abcd"
                + b"\x02\x00" + b"\x01\x00" + b"\x00")

    def check_pipeline_answer(self, s):
        e1 = struct.unpack(">I", recv_exact(s, 4))[0]
        self.assertEqual(recv_exact(s, 1), b"\x05")
        off = self.locate(recv_exact(s, 5))
        self.locate(recv_exact(s, 7), after=off + 5)
        pid = str(self.egd.proc.pid).encode()
        self.assertEqual(recv_exact(s, 1 + len(pid)), bytes([len(pid)]) + pid)
        self.assertEqual(recv_exact(s, 1), b"\x00")  # 03 and 02 0 answer nothing; 01 0 -> 00
        e2 = struct.unpack(">I", recv_exact(s, 4))[0]
        self.assertEqual(e1 - e2, 8 * 12)
        assert_silent(s)

    @on_both
    def test_pipelined_in_one_send(self, s):
        s.sendall(self.PIPELINE)
        self.check_pipeline_answer(s)

    @on_both
    def test_split_byte_by_byte(self, s):
        if s.family == socket.AF_INET:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in self.PIPELINE:
            s.send(bytes([b]))
            time.sleep(0.005)
        self.check_pipeline_answer(s)

    def test_unknown_command_closes_only_that_connection(self):
        for bad in (0x05, 0xff):
            for unix in (False, True):
                with self.subTest(command=bad, unix=unix), self.egd.connect(unix=unix) as other:
                    self.check_unknown_command(other, bad)
        self.assertIsNone(self.egd.proc.poll())

    def check_unknown_command(self, other, bad):
        assert_pid_next(other, self.egd)
        with self.egd.connect(unix=other.family == socket.AF_UNIX, timeout=3) as s:
            s.sendall(bytes([bad]))
            try:
                self.assertEqual(s.recv(100), b"", "egdd answered command 0x%02x" % bad)
            except socket.timeout:
                self.fail("connection not closed after unknown command 0x%02x" % bad)
            except ConnectionResetError:
                self.fail("connection reset (not closed cleanly) after 0x%02x" % bad)
        assert_pid_next(other, self.egd)
        self.locate(request(other, b"\x02\x08", 8))


class HalfEntropyTest(unittest.TestCase):
    def test_00_credits_entropy_per_bit(self):
        with tempfile.TemporaryDirectory(prefix="egdtest-010h-") as d:
            path = os.path.join(d, "random.bin")
            with open(path, "wb") as f:
                f.write(healthy_random(GRAIN))
            with egdtest.Egdd(d, source={"kind": "file", "path": path,
                                         "entropy_per_bit": 0.5}) as egd:
                wait_for(lambda: egd.status()["pool_bytes"] == GRAIN, "file fully loaded")
                with egd.connect() as s:
                    self.assertEqual(egd_entropy(s), 4 * GRAIN)
                    self.assertEqual(egd.status()["entropy_bits"], 4 * GRAIN)
                    request(s, b"\x02\x64", 100)
                    self.assertEqual(egd_entropy(s), 4 * (GRAIN - 100))


class FifoSourceTest(unittest.TestCase):
    def setUp(self):
        # Cleanups run even when setUp fails, so egdd never outlives the test.
        self.tmp = tempfile.TemporaryDirectory(prefix="egdtest-010f-")
        self.addCleanup(self.tmp.cleanup)
        self.fifo = Fifo(os.path.join(self.tmp.name, "hwrng.fifo"))
        self.addCleanup(self.fifo.close)
        self.egd = egdtest.Egdd(self.tmp.name, source={"kind": "hwrng", "path": self.fifo.path,
                                                       "entropy_per_bit": 1.0}).start()
        self.addCleanup(lambda: self.assertEqual(self.egd.stop(), 0, "egdd exit code on SIGTERM"))
        prime_and_drain(self.egd, self.fifo)

    def wait_all_read(self):
        wait_for(lambda: self.egd.status()["bytes_received"] == self.fifo.written,
                 "egdd read all %d bytes written" % self.fifo.written)

    def test_pending_blocking_read_gets_arriving_bytes_in_order(self):
        with self.egd.connect() as s, self.egd.connect(unix=True) as u:
            s.sendall(b"\x02\x96")   # 150 bytes
            assert_silent(s, 0.5)
            d = healthy_random(GRAIN)
            self.fifo.write(d)
            self.assertEqual(recv_exact(s, 150), d[:150])
            self.assertEqual(request(s, b"\x02\x32", 50), d[150:200])
            self.wait_all_read()
            rest = b""
            while True:
                chunk = egdtest.egd_read_nonblocking(s, 255)
                if not chunk:
                    break
                rest += chunk
            self.assertEqual(rest, d[200:], "the pool did not hold exactly the rest, in order")
            u.sendall(b"\x02\x1e")   # 30 bytes, over the unix socket
            assert_silent(u, 0.3)
            d2 = healthy_random(GRAIN)
            self.fifo.write(d2)
            self.assertEqual(recv_exact(u, 30), d2[:30])
            self.wait_all_read()
            self.assertEqual(request(s, b"\x01\xff", 256), b"\xff" + d2[30:285])

    def test_dead_clients_with_pending_reads_lose_nothing(self):
        rst = self.egd.connect()
        fin = self.egd.connect(unix=True)
        rst.sendall(b"\x02\xff")
        fin.sendall(b"\x02\xff")
        time.sleep(0.2)
        rst.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        rst.close()  # abortive close: RST
        fin.close()
        time.sleep(0.3)
        with self.egd.connect(timeout=5) as b, self.egd.connect() as c:
            b.sendall(b"\x02\xff")
            assert_silent(b, 0.2)
            d = healthy_random(GRAIN)
            self.fifo.write(d)
            try:
                got = recv_exact(b, 255)
            except socket.timeout:
                self.fail("the arriving bytes went to a dead client: live reader got nothing")
            self.assertEqual(got, d[:255], "live reader did not get the first arriving bytes")
            self.wait_all_read()
            self.assertEqual(request(c, b"\x01\xff", 256), b"\xff" + d[255:510])
            assert_pid_next(c, self.egd)
            self.assertIsNone(self.egd.proc.poll(), "egdd died")
            self.assertEqual(self.egd.status()["clients"], 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
